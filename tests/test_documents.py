"""The shared document printing (comb_tracker/documents.py): every PDF carries its owner and
page numbers in the footer from the shared sheet, CSV cells that would run as formulas are
quoted, and the CSV opens as UTF-8."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from pypdf import PdfReader

from comb_tracker import documents

PAGE = "<html lang='en'><body><p class='{owner}'>Ann Smith</p><h1>Log</h1></body></html>"


def printed(stylesheet: str, owner: str) -> str:
    html = PAGE.format(owner=owner)
    with mock.patch.object(documents, "render_to_string", return_value=html):
        pdf = documents.render_pdf("unused.html", {}, stylesheet)
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@pytest.mark.parametrize(
    ("stylesheet", "owner", "footer"),
    [
        ("css/cpd_pdf.css", "therapist", "CPD log of Ann Smith"),
        ("css/log_pdf.css", "supervisee", "Clinical supervision log of Ann Smith"),
    ],
)
def test_each_printed_log_names_its_owner_and_numbers_its_pages(stylesheet, owner, footer):
    text = printed(stylesheet, owner)
    assert footer in text
    assert "Page 1 of 1" in text


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx"])
def test_a_cell_that_would_run_as_a_formula_is_quoted(value):
    assert documents.safe_cell(value) == "'" + value


def test_ordinary_cells_and_numbers_are_left_alone():
    assert [documents.safe_cell(v) for v in ("Reading", 3, None)] == ["Reading", 3, None]


def test_the_csv_starts_with_a_byte_order_mark_and_writes_one_line_per_row():
    lines = list(documents.csv_stream([["a", "b, c"], [1, 2]]))
    assert lines == ["\ufeff", 'a,"b, c"\r\n', "1,2\r\n"]
