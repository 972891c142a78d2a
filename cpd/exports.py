"""A therapist's CPD log for a CPD year, as accreditation evidence: each activity with its
type, date, hours, provider, goals, reflection and evidence file names, then the totals by type
and whether BABCP's expectation is met. `csv_lines` streams it as CSV (cells that would start a
spreadsheet formula are quoted, as the supervision log's are) and `pdf_bytes` prints it with
WeasyPrint, fetching nothing from the network.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.utils import timezone

from comb_tracker.documents import render_pdf, safe_cell

from .activities import YearTotals, plan_activities, year_totals
from .models import CpdActivity, CpdPlan

PDF_STYLESHEET = "css/cpd_pdf.css"
ITERATOR_CHUNK = 200
YES, NO = "Yes", "No"

CSV_HEADER = [
    "Date",
    "Type",
    "Activity",
    "Hours",
    "Provider",
    "Goals",
    "What I learned",
    "How I will apply it",
    "Impact on my practice",
    "Reflection written",
    "Evidence files",
]
TOTALS_HEADER = ["Type", "Activities", "With a reflection", "Hours"]


def filename(plan: CpdPlan, kind: str) -> str:
    return f"cpd-log-{plan.starts_on:%Y-%m-%d}-to-{plan.ends_on:%Y-%m-%d}.{kind}"


def _row(activity: CpdActivity) -> list[object]:
    return [
        activity.done_on.isoformat(),
        activity.get_type_display(),
        activity.title,
        activity.hours,
        activity.provider,
        "; ".join(goal.title for goal in activity.goals.all()),
        activity.learned,
        activity.application,
        activity.impact,
        YES if activity.has_reflection else NO,
        "; ".join(item.original_name for item in activity.evidence.all()),
    ]


def expectation_text(totals: YearTotals) -> str:
    """BABCP's expectation, met or not, in plain words."""
    if totals.expectation_met:
        return (
            f"Met: {totals.reflected} activities with a reflection, including "
            f"{totals.workshops} CBT-skills workshop(s)."
        )
    reasons = []
    if not totals.enough_reflected:
        reasons.append(
            f"{totals.reflected} of {totals.expected} activities with a reflection "
            f"({totals.still_needed} more needed)"
        )
    if not totals.workshops:
        reasons.append("no CBT-skills workshop")
    return "Not met: " + "; ".join(reasons) + "."


def csv_lines(plan: CpdPlan) -> Iterator[Sequence[object]]:
    """The log as CSV rows: the activities (oldest first, read in chunks), a blank line, the
    totals by type and the expectation."""
    yield [f"CPD year {plan.starts_on.isoformat()} to {plan.ends_on.isoformat()}"]
    yield CSV_HEADER
    activities = plan_activities(plan).order_by("done_on", "pk")
    for activity in activities.iterator(chunk_size=ITERATOR_CHUNK):
        yield [safe_cell(value) for value in _row(activity)]
    totals = year_totals(plan)
    yield []
    yield TOTALS_HEADER
    for row in totals.by_type:
        yield [row.label, row.activities, row.reflected, row.hours]
    yield ["Total", totals.activities, totals.reflected, totals.hours]
    yield []
    yield ["BABCP's expectation", expectation_text(totals)]


def pdf_context(plan: CpdPlan) -> dict[str, Any]:
    totals = year_totals(plan)
    return {
        "plan": plan,
        "therapist": plan.therapist,
        "activities": list(plan_activities(plan).order_by("done_on", "pk")),
        "totals": totals,
        "expectation": expectation_text(totals),
        "generated_on": timezone.localdate(),
    }


def pdf_bytes(plan: CpdPlan) -> bytes:
    """The log printed on A4 (`documents.render_pdf`: PDF/UA-1, nothing from the network)."""
    return render_pdf("cpd/cpd_pdf.html", pdf_context(plan), PDF_STYLESHEET)
