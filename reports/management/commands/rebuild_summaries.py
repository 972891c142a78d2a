"""`manage.py rebuild_summaries`: recompute the analytics summaries from the ratings.

Run it after writing assessments directly rather than through `questionnaire.submit`
(`setup_demo`, `bench/`), or to repair the summaries; it is one transaction.
"""

from django.core.management.base import BaseCommand

from reports.summaries import rebuild_summaries


class Command(BaseCommand):
    help = "Recompute the item summaries and domain scores from every submitted assessment."

    def handle(self, *args, **options) -> None:
        counts = rebuild_summaries()
        self.stdout.write(
            f"Rebuilt the summaries of {counts.assessments} submitted assessments: "
            f"{counts.item_summaries} item summaries, {counts.domain_scores} domain scores."
        )
