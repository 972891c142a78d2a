"""Load the framework (if absent) and the demo organisation, then print the demo logins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, DEMO_SERVICE_SLUG, build_demo_organisation
from accounts.models import Role, User
from assessments.demo import build_demo_assessments
from assessments.framework_io import import_framework, parse_yaml
from assessments.models import Framework


class Command(BaseCommand):
    help = "Load the shipped framework and the demo service (DEBUG or DEMO_MODE only)."

    def handle(self, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only for DEBUG/DEMO_MODE installs.")
        path = settings.FRAMEWORK_FIXTURE
        data = parse_yaml(path.read_text(encoding="utf-8"))
        slug = data["framework"]["slug"]
        framework = Framework.objects.filter(slug=slug).first()
        if framework is None or framework.current_version() is None:
            version = import_framework(data, publish=True)
            self.stdout.write(f"Loaded {version}.")
        else:
            version = framework.current_version()
        logins = build_demo_organisation()
        therapists = User.objects.filter(
            memberships__role=Role.THERAPIST, memberships__service__slug=DEMO_SERVICE_SLUG
        ).order_by("username")
        created = build_demo_assessments(version, list(therapists.distinct()))
        if created:
            self.stdout.write(f"Created {created} demo self-assessments.")
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD}):"))
        for login in logins:
            self.stdout.write(f"  {login.username:<13} {login.role}")
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in.\n")
