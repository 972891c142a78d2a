"""Load a framework file (YAML or CSV) as the next version of its framework, atomically.

Every refusal (unreadable bytes, a malformed file, a rename without --rename, a published key
whose meaning changed without --allow-meaning-changes) is a CommandError listing line-numbered
problems, with a non-zero exit code and nothing written.
"""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from assessments.framework_io import FrameworkFileError, import_file


class Command(BaseCommand):
    help = "Import a COM-B framework from YAML or CSV as a new draft (or --publish it)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A .yaml/.yml or .csv file (docs/framework-format.md).")
        parser.add_argument("--publish", action="store_true", help="Publish the new version.")
        parser.add_argument(
            "--rename",
            action="store_true",
            help="Let the file change an existing framework's name or description.",
        )
        parser.add_argument(
            "--allow-meaning-changes",
            action="store_true",
            help="With --publish: publish even if an existing key's problem or target text "
            "changed beyond a typo-level edit.",
        )
        parser.add_argument("--slug", help="CSV only: the framework's slug.")
        parser.add_argument("--name", default="", help="CSV only: the framework's name.")
        parser.add_argument("--description", default="", help="CSV only: its description.")

    def handle(self, path, slug, name, description, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        if file.suffix.lower() == ".csv" and not slug:
            raise CommandError("A CSV import needs --slug (and --name for a new one).")
        try:
            with file.open("rb") as handle:
                version = import_file(
                    File(handle, name=str(file)),
                    slug=slug or "",
                    name=name,
                    description=description,
                    publish=options["publish"],
                    rename=options["rename"],
                    allow_meaning_changes=options["allow_meaning_changes"],
                )
        except OSError as exc:
            raise CommandError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
        except FrameworkFileError as exc:
            raise CommandError(
                f"{path}: nothing was imported; fix these and try again:\n"
                + "\n".join(f"  {error}" for error in exc.errors)
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Imported {version} with {version.items.count()} items.")
        )
