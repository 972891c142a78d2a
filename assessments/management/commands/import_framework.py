"""Load a framework file (YAML or CSV) as the next version of its framework, atomically.

Every refusal (unreadable bytes, a malformed file, a rename without --rename) is a CommandError
listing line-numbered problems, with a non-zero exit code and nothing written.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.framework_io import (
    FrameworkFileError,
    check_size,
    decode,
    import_framework,
    parse_csv,
    parse_yaml,
)


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
        parser.add_argument("--slug", help="CSV only: the framework's slug.")
        parser.add_argument("--name", default="", help="CSV only: the framework's name.")
        parser.add_argument("--description", default="", help="CSV only: its description.")

    def handle(self, path, publish, rename, slug, name, description, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        is_csv = file.suffix.lower() == ".csv"
        if is_csv and not slug:
            raise CommandError("A CSV import needs --slug (and --name for a new one).")
        try:
            check_size(file.stat().st_size)  # before reading a huge file into memory
            text = decode(file.read_bytes())
            if is_csv:
                data = parse_csv(text, slug=slug, name=name, description=description)
            else:
                data = parse_yaml(text)
            version = import_framework(data, publish=publish, rename=rename)
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
