"""The one way the apps print documents for download: CSV streamed row by row with cells a
spreadsheet would run quoted, and PDFs printed by WeasyPrint from a template and a stylesheet in
`static/`, tagged for screen readers (PDF/UA-1) and fetching nothing from the network. The
supervision log, the CPD log and later reports use the same functions, so an export rule is
fixed in one place."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Response = TypeVar("Response", bound=HttpResponseBase)


def safe_cell(value: object) -> object:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object that hands back what is written, for streaming csv.writer rows."""

    def write(self, value: str) -> str:
        return value


def csv_stream(lines: Iterable[Sequence[object]]) -> Iterator[str]:
    """The rows as CSV text, one row at a time (memory stays flat however long the file),
    after a byte order mark so spreadsheet programs read the file as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for line in lines:
        yield writer.writerow(line)


def as_attachment(response: Response, filename: str) -> Response:
    """A download of private data: saved under `filename`, never kept by a cache."""
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def static_only_fetcher(root: Path) -> Any:
    """WeasyPrint's URL fetcher for a PDF: files under `root` only, never the network (a log
    must not call out while it is printed)."""
    # Imported here: WeasyPrint loads Pango and fonts. It ships no type hints.
    from weasyprint.urls import URLFetcher

    root = root.resolve()

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise ValueError(f"The PDF fetches nothing from {parts.scheme or 'an'} address.")
            if not Path(unquote(parts.path)).resolve().is_relative_to(root):
                raise ValueError("The PDF reads files from the static folder only.")
            return super().fetch(url, headers)

    return StaticOnlyFetcher(allowed_protocols={"file"})


def static_root(stylesheet: str) -> Path:
    """The static folder that holds `stylesheet` (for example "css/log_pdf.css"): a PDF's
    relative addresses resolve there, and nothing outside it is read."""
    found = finders.find(stylesheet)
    if not found:
        raise FileNotFoundError(stylesheet)
    return Path(str(found)).resolve().parents[len(Path(stylesheet).parts) - 1]


def render_pdf(template: str, context: Mapping[str, Any], stylesheet: str) -> bytes:
    """The template printed by WeasyPrint with the stylesheet (a path under `static/`)."""
    from weasyprint import CSS, HTML

    root = static_root(stylesheet)
    fetcher = static_only_fetcher(root)
    html = render_to_string(template, dict(context))
    document = HTML(string=html, base_url=f"{root}/", url_fetcher=fetcher)
    css = CSS(filename=str(root / stylesheet), url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[css], pdf_variant="pdf/ua-1")
    return pdf
