"""Write a framework version out as YAML or CSV, in the format import_framework reads."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.framework_io import dump_csv, dump_yaml, export_data
from assessments.models import Framework


class Command(BaseCommand):
    help = "Export a framework version (the newest published one by default) as YAML or CSV."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The framework's slug, e.g. comb-pd.")
        # Not --version: Django's commands already use that for their own version.
        parser.add_argument("--number", type=int, help="Version number (default: newest).")
        parser.add_argument("--format", choices=["yaml", "csv"], default="yaml")
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")

    def handle(self, slug, number, format, output, **options):
        framework = Framework.objects.filter(slug=slug).first()
        if framework is None:
            raise CommandError(f"No framework with slug '{slug}'.")
        if number is None:
            version = framework.current_version()
            if version is None:
                raise CommandError(f"'{slug}' has no published version; give --number.")
        else:
            version = framework.versions.filter(number=number).first()
            if version is None:
                raise CommandError(f"'{slug}' has no version {number}.")
        data = export_data(version)
        text = dump_csv(data) if format == "csv" else dump_yaml(data)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {version} to {output}.")
        else:
            self.stdout.write(text, ending="")
