"""Load the shipped framework's versions (if absent), the demo organisation and its
self-assessments, store the reliability figures their baselines give (so profiles show reliable
change), write supervisor1's supervisees' supervision logs, agendas, observer ratings and session
reflections, then print the demo logins."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from assessments.framework_io import import_framework, parse_yaml
from assessments.models import Framework, FrameworkVersion
from assessments.reliability import refresh_reliability
from demo.assessments import build_demo_assessments
from demo.cpd import build_demo_cpd
from demo.people import DEMO_PASSWORD, DEMO_SERVICE_SLUG, build_demo_organisation
from demo.service_actions import build_demo_service_actions
from demo.supervision import build_demo_supervision
from demo.supervision_records import build_demo_supervision_records


def _read(path: Path) -> dict:
    return parse_yaml(path.read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = "Load the shipped framework and the demo service (DEBUG or DEMO_MODE only)."

    def handle(self, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only for DEBUG/DEMO_MODE installs.")
        version = self.load_framework()
        logins = build_demo_organisation()
        therapists = User.objects.filter(
            memberships__role=Role.THERAPIST, memberships__service__slug=DEMO_SERVICE_SLUG
        ).order_by("username")
        # The demo's history was taken on the first version; new assessments use the current.
        first = version.framework.versions.published().order_by("number").first()
        created = build_demo_assessments(first or version, list(therapists.distinct()))
        if created:
            self.stdout.write(f"Created {created} demo self-assessments.")
        # The demo's assessments are written directly, not submitted: the analytics summaries
        # are rebuilt from them (quick at the demo's size).
        call_command("rebuild_summaries", stdout=self.stdout)
        if refresh_reliability(version.framework):
            domains = version.framework.domain_reliabilities.count()
            self.stdout.write(
                f"Stored reliability figures for {domains} domains from "
                f"{version.framework.reliability_baselines} baselines."
            )
        entries = build_demo_supervision()
        if entries:
            self.stdout.write(f"Created {entries} demo supervision log entries.")
        records = build_demo_supervision_records()
        if records:
            self.stdout.write(
                f"Created {records} demo agenda items, observer ratings and session reflections."
            )
        goals = build_demo_cpd()
        if goals:
            self.stdout.write(f"Created {goals} demo CPD goals and activities for therapist01.")
        actions = build_demo_service_actions()
        if actions:
            self.stdout.write(f"Created {actions} demo service actions and suggestions.")
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD}):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<13} {login.role}")
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in.\n")

    def load_framework(self) -> FrameworkVersion:
        """The shipped framework's published versions, oldest first, unless it is loaded."""
        current = _read(settings.FRAMEWORK_FIXTURE)
        framework = Framework.objects.filter(slug=current["framework"]["slug"]).first()
        version = framework.current_version() if framework else None
        if version is not None:
            return version
        for number, path in enumerate(
            [*settings.FRAMEWORK_FIXTURE_HISTORY, settings.FRAMEWORK_FIXTURE], start=1
        ):
            # The shipped history is reviewed: a later version may re-word a key's text without
            # changing what it means (version 3 re-voiced every target), which the key meaning
            # guard cannot tell from a new meaning. Each such edit is listed in
            # docs/seed-repairs.md, so the guard's explicit allowance is given here.
            version = import_framework(_read(path), publish=True, allow_meaning_changes=number > 1)
            self.stdout.write(f"Loaded {version}.")
        assert version is not None  # the list always holds the current file
        return version
