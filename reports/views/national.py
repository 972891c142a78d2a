"""The national view: for people given "view national aggregates" (commissioners), services
compared within one framework version and cycle, by COM-B component with a drill-down to one
component's statements, sortable and 25 services a page, every cell suppressed per service.

Anyone else signed in gets 403 saying whom the page is for, as the role pages do: the page is
not an object whose existence could leak, and a commissioner missing the permission learns what
to ask for. The filters are an ordinary GET form, so every view has a shareable address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.permissions import AuthenticatedRequest
from assessments.models import Framework, FrameworkVersion

from .. import national as aggregates

NOT_PERMITTED = "This page is for people given national aggregates across services (commissioners)."
ASCENDING, DESCENDING = "asc", "desc"


def _cycle_label(cycle: int) -> str:
    return "Baseline" if cycle == 0 else f"Reassessment {cycle}"


class NationalFilterForm(forms.Form):
    """Framework, version and cycle (each defaults to the first, newest and latest), and the
    component whose statements to show. Version and cycle choices follow the framework and
    version asked for, so the form reads its own input before it is validated."""

    framework = forms.ChoiceField(label="Framework", required=False)
    version = forms.TypedChoiceField(label="Version", coerce=int, empty_value=None, required=False)
    cycle = forms.TypedChoiceField(label="Cycle", coerce=int, empty_value=None, required=False)
    component = forms.ChoiceField(
        label="Statements of one component",
        required=False,
        choices=[("", "All components (means)"), *aggregates.GROUPS],
    )

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.frameworks = {framework.slug: framework for framework in aggregates.frameworks()}
        self._offer(
            "framework", [(slug, framework.name) for slug, framework in self.frameworks.items()]
        )
        asked = self.frameworks.get(data.get("framework") or "")
        self.framework_shown: Framework | None = asked or next(iter(self.frameworks.values()), None)
        self.versions = (
            {v.number: v for v in aggregates.published_versions(self.framework_shown)}
            if self.framework_shown
            else {}
        )
        self._offer(
            "version",
            [("", "Newest published")]
            + [(number, f"Version {number}") for number in self.versions],
        )
        version = self._asked_version(data.get("version")) or next(
            iter(self.versions.values()), None
        )
        self.latest_cycle = aggregates.latest_cycle(version) if version else None
        self._offer(
            "cycle",
            [("", "Latest")]
            + [(cycle, _cycle_label(cycle)) for cycle in range((self.latest_cycle or 0) + 1)],
        )

    def _offer(self, name: str, choices: list[tuple[object, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def _asked_version(self, raw: str | None) -> FrameworkVersion | None:
        try:
            return self.versions.get(int(raw or ""))
        except ValueError:
            return None

    def clean_framework(self) -> Framework | None:
        return self.framework_shown

    def clean_version(self) -> FrameworkVersion | None:
        number = self.cleaned_data["version"]
        if number is None:
            return next(iter(self.versions.values()), None)
        return self.versions[number]

    def clean_cycle(self) -> int:
        cycle = self.cleaned_data["cycle"]
        return self.latest_cycle or 0 if cycle is None else cycle


@dataclass(frozen=True)
class Header:
    """A sortable column heading: the link sorts by it (and turns the order on a second
    click); `aria_sort` tells screen readers the column the rows are in order of."""

    key: str
    label: str
    order: str
    aria_sort: str


def _headers(
    table: aggregates.NationalTable, sort: str, descending: bool
) -> tuple[Header, Header, list[Header]]:
    def header(key: str, label: str, first: str) -> Header:
        current = key == sort
        order = (ASCENDING if descending else DESCENDING) if current else first
        aria = ("descending" if descending else "ascending") if current else ""
        return Header(key, label, order, aria)

    return (
        header(aggregates.SORT_SERVICE, "Service", ASCENDING),
        header(aggregates.SORT_RESPONDENTS, "Therapists rating (at least)", DESCENDING),
        [header(column.key, column.label, DESCENDING) for column in table.columns],
    )


@require_safe
@login_required
def national(request: AuthenticatedRequest) -> HttpResponse:
    """Services compared within one framework, for people with the national permission."""
    if not permissions.can_view_national_aggregates(request.user):
        raise PermissionDenied(NOT_PERMITTED)
    form = NationalFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "k": permissions.small_group_minimum()}
    if not form.is_valid():
        return render(request, "reports/national.html", context, status=400)
    version = form.cleaned_data["version"]
    if version is None:
        return render(request, "reports/national.html", context)
    table = aggregates.national_table(
        version, form.cleaned_data["cycle"], form.cleaned_data["component"] or None
    )
    sort = request.GET.get("sort", aggregates.SORT_SERVICE)
    if sort not in aggregates.sort_keys(table):
        sort = aggregates.SORT_SERVICE
    descending = request.GET.get("order") == DESCENDING
    page = Paginator(
        aggregates.sorted_rows(table, sort, descending), aggregates.SERVICES_PER_PAGE
    ).get_page(request.GET.get("page"))
    service_header, respondents_header, column_headers = _headers(table, sort, descending)
    context |= {
        "table": table,
        "component_name": aggregates.GROUP_NAMES.get(table.component or ""),
        "groups": [(code, name) for code, name in aggregates.GROUPS],
        "cycle_label": _cycle_label(table.cycle),
        "page": page,
        "service_header": service_header,
        "respondents_header": respondents_header,
        "columns": list(zip(column_headers, table.columns, strict=True)),
    }
    return render(request, "reports/national.html", context)
