"""Anonymise leavers whose retention period (settings.LEAVER_RETENTION_DAYS) has passed.

Meant to run daily (cron or a scheduler). Idempotent: people already anonymised are not
leavers any more, so a second run finds nobody. Prints ids and pseudonyms, never names.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.personal_data import anonymise, leavers


class Command(BaseCommand):
    help = (
        "Anonymise people whose roles all ended (or whose account is inactive) more than "
        "LEAVER_RETENTION_DAYS days ago."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would be anonymised; change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        days = settings.LEAVER_RETENTION_DAYS
        cutoff = timezone.localdate() - datetime.timedelta(days=days)
        due = list(leavers(cutoff))
        for person in due:
            ended = getattr(person, "last_role_ended", None) or "no role (inactive account)"
            if dry_run:
                self.stdout.write(f"Would anonymise person {person.pk} (last role ended: {ended}).")
                continue
            anonymise(person, by=None, reason=f"retention: {days} days after leaving")
            self.stdout.write(f"Anonymised person {person.pk} as {person.username}.")
        verb = "would be anonymised" if dry_run else "anonymised"
        self.stdout.write(f"{len(due)} {'person' if len(due) == 1 else 'people'} {verb}.")
