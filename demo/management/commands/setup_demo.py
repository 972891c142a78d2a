"""Load the framework (if absent), the demo organisation and its self-assessments, store the
reliability figures their baselines give (so profiles show reliable change), then print the demo
logins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from assessments.framework_io import import_framework, parse_yaml
from assessments.models import Framework
from assessments.reliability import refresh_reliability
from demo.assessments import build_demo_assessments
from demo.people import DEMO_PASSWORD, DEMO_SERVICE_SLUG, build_demo_organisation


class Command(BaseCommand):
    help = "Load the shipped framework and the demo service (DEBUG or DEMO_MODE only)."

    def handle(self, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only for DEBUG/DEMO_MODE installs.")
        path = settings.FRAMEWORK_FIXTURE
        data = parse_yaml(path.read_text(encoding="utf-8"))
        slug = data["framework"]["slug"]
        framework = Framework.objects.filter(slug=slug).first()
        version = framework.current_version() if framework else None
        if version is None:
            version = import_framework(data, publish=True)
            self.stdout.write(f"Loaded {version}.")
        logins = build_demo_organisation()
        therapists = User.objects.filter(
            memberships__role=Role.THERAPIST, memberships__service__slug=DEMO_SERVICE_SLUG
        ).order_by("username")
        created = build_demo_assessments(version, list(therapists.distinct()))
        if created:
            self.stdout.write(f"Created {created} demo self-assessments.")
        if refresh_reliability(version.framework):
            domains = version.framework.domain_reliabilities.count()
            self.stdout.write(
                f"Stored reliability figures for {domains} domains from "
                f"{version.framework.reliability_baselines} baselines."
            )
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD}):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<13} {login.role}")
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in.\n")
