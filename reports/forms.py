"""The heatmap's filters: a GET form, so a view of the heatmap is a link to share.

Choices depend on the service's data (its versions with figures, the chosen version's cycles,
that cycle's teams), so `choose_filters` reads each value in turn against the choices it
allows. A value that is not a choice, and a choice that would leave a group below k (a team,
or a whole cycle of the service, with fewer than k people's self-assessments), is refused:
the form says why beside the field and the default is shown instead. Nothing raises.

A period (two months, "2026-01") replaces the cycle when both are given and valid: from no
later than to, neither in the future, five years at most. Its columns are the teams of each
therapist's latest assessment in it, refused below k as a cycle's are.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast, get_args

from django import forms
from django.utils import timezone

from accounts import permissions
from accounts.models import Service
from assessments.models import FrameworkVersion

from . import heatmap
from .heatmap import (
    COMPONENTS,
    DEFAULT_MEASURE,
    MEASURES,
    Filters,
    Measure,
    Period,
    TeamColumn,
)

T = TypeVar("T")

NOT_A_VERSION = "Choose one of the framework versions listed."
NOT_A_CYCLE = "Choose one of the cycles listed."
NOT_A_TEAM = "Choose one of the teams listed, or all teams."
NOT_A_COMPONENT = "Choose Capability, Opportunity, Motivation or all components."
NOT_A_MEASURE = "Choose mean need or the share reporting the barrier."
NOT_A_MONTH = "Enter a month as year and month, for example 2026-03."
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
EARLIEST_YEAR = 2000
LONGEST_PERIOD_MONTHS = 60
SHARE_NEEDS_A_CYCLE = (
    "The share reporting a barrier is counted per statement in one cycle, so a period shows "
    "mean need by domain instead."
)


def cycle_label(cycle: int) -> str:
    return "Baseline (cycle 0)" if cycle == 0 else f"Cycle {cycle}"


class HeatmapFilterForm(forms.Form):
    """The filters as shown: always bound to the values in effect, with any refusals."""

    version = forms.ChoiceField(label="Framework version")
    cycle = forms.ChoiceField(label="Cycle")
    period_from = forms.CharField(
        label="Or a period: from (month)",
        required=False,
        help_text="Year and month, for example 2026-01. A period replaces the cycle.",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}),
    )
    period_to = forms.CharField(
        label="To (month, included)",
        required=False,
        help_text="Leave both months empty to show one cycle.",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-06"}),
    )
    team = forms.ChoiceField(label="Team", required=False)
    component = forms.ChoiceField(
        label="COM-B component",
        required=False,
        choices=[("", "All components"), *COMPONENTS.items()],
    )
    measure = forms.ChoiceField(label="Each cell shows", choices=list(MEASURES.items()))

    def __init__(
        self,
        *args: Any,
        versions: Sequence[FrameworkVersion] = (),
        cycles: Sequence[int] = (),
        teams: Sequence[TeamColumn] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._offer("version", [(str(v.number), f"Version {v.number}") for v in versions])
        self._offer("cycle", [(str(cycle), cycle_label(cycle)) for cycle in cycles])
        self._offer("team", [("", "All teams")] + [(str(team.pk), team.name) for team in teams])
        for bound in self.fields.values():
            is_choice = isinstance(bound, forms.ChoiceField)
            bound.widget.attrs["class"] = "form-select" if is_choice else "form-control"

    def _offer(self, name: str, choices: list[tuple[str, str]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices


@dataclass
class FilterChoice:
    """The form to show, the filters in effect (None: nothing to show) and the teams with
    respondents in the chosen cycle (the heatmap's columns)."""

    form: HeatmapFilterForm
    filters: Filters | None
    columns: list[TeamColumn] = field(default_factory=list)


def choose_filters(service: Service, data: Mapping[str, str]) -> FilterChoice:
    """Read the filters from a query string: three queries (versions, and the respondents of
    the chosen version; a refused version reads its replacement's too)."""
    k = permissions.small_group_minimum(service)
    errors: dict[str, str] = {}
    versions = heatmap.versions_with_figures(service)
    if not versions:
        return FilterChoice(HeatmapFilterForm(), None)
    by_number = {str(version.number): version for version in versions}
    version = _pick(data, "version", by_number, versions[0], errors, NOT_A_VERSION)
    groups = heatmap.groups_of(service, version)
    if groups.default_cycle(k) is None and version != versions[0]:
        errors["version"] = _too_few_in_version(version, k)
        version = versions[0]
        groups = heatmap.groups_of(service, version)
    default_cycle = groups.default_cycle(k)
    if default_cycle is None:
        return FilterChoice(_form(versions, version, groups.cycles, [], {}, errors), None)

    cycles = {str(cycle): cycle for cycle in groups.cycles}
    cycle = _pick(data, "cycle", cycles, default_cycle, errors, NOT_A_CYCLE)
    if groups.service_respondents(cycle) < k:
        errors["cycle"] = (
            f"{cycle_label(cycle)} has self-assessments from fewer than {k} people in this "
            f"service, so its figures are not shown: {cycle_label(default_cycle)} is shown."
        )
        cycle = default_cycle
    columns = groups.by_cycle[cycle]
    period = _period(data, errors)
    if period is not None:
        in_period = heatmap.columns_in_period(service, version, period)
        if sum(team.respondents for team in in_period) < k:
            errors["period_from"] = (
                f"Fewer than {k} people in this service submitted a self-assessment of version "
                f"{version.number} between {period.label}, so the period is not shown: "
                f"{cycle_label(cycle)} is shown."
            )
            period = None
        else:
            columns = in_period
    where = "the period" if period is not None else cycle_label(cycle).lower()
    teams = {str(team.pk): team for team in columns}
    team = _pick(data, "team", teams, None, errors, NOT_A_TEAM)
    if team is not None and team.respondents < k:
        errors["team"] = (
            f"{team.name} has self-assessments from fewer than {k} people in "
            f"{where}, so it is not shown on its own: all teams are shown."
        )
        team = None
    components = {code: code for code in COMPONENTS}
    component = _pick(data, "component", components, None, errors, NOT_A_COMPONENT)
    measures: dict[str, Measure] = {name: name for name in get_args(Measure)}
    measure = _pick(data, "measure", measures, DEFAULT_MEASURE, errors, NOT_A_MEASURE)
    if period is not None and measure == "share":
        errors["measure"] = SHARE_NEEDS_A_CYCLE
        measure = "need"
    filters = Filters(version, cycle, team, component, measure, period)
    values = {
        "cycle": str(cycle),
        "period_from": data.get("period_from", ""),
        "period_to": data.get("period_to", ""),
        "team": str(team.pk) if team else "",
        "component": component or "",
        "measure": measure,
    }
    form = _form(versions, version, groups.cycles, columns, values, errors)
    return FilterChoice(form, filters, columns)


def _pick(
    data: Mapping[str, str],
    name: str,
    options: Mapping[str, T],
    default: T,
    errors: dict[str, str],
    message: str,
) -> T:
    """The option the query string names, the default when it names none, or the default and
    an error when it names something else."""
    value = data.get(name, "")
    if value == "":
        return default
    if value in options:
        return options[value]
    errors[name] = message
    return default


def _period(data: Mapping[str, str], errors: dict[str, str]) -> Period | None:
    """The period the query string names, or None: no months given, or months refused (each
    refusal said beside its field)."""
    typed = {name: data.get(name, "").strip() for name in ("period_from", "period_to")}
    if not any(typed.values()):
        return None
    months = {}
    for name, value in typed.items():
        if not value:
            errors[name] = "Give both months of the period, or neither to show one cycle."
            continue
        month = _month(value)
        if month is None:
            errors[name] = NOT_A_MONTH
        elif month.year < EARLIEST_YEAR:
            errors[name] = f"Choose a month from {EARLIEST_YEAR} on."
        else:
            months[name] = month
    if len(months) < 2:
        return None
    first, last = months["period_from"], months["period_to"]
    this_month = timezone.localdate().replace(day=1)
    if last > this_month:
        errors["period_to"] = "The period cannot end in the future: choose this month or before."
    elif first > last:
        errors["period_to"] = "The period must end in or after the month it starts."
    elif _months_between(first, last) >= LONGEST_PERIOD_MONTHS:
        errors["period_from"] = (
            f"A period can cover at most {LONGEST_PERIOD_MONTHS // 12} years: start it later."
        )
    else:
        return Period(first, last)
    return None


def _month(value: str) -> datetime.date | None:
    """The first day of the month "YYYY-MM" names, or None."""
    match = MONTH_PATTERN.match(value)
    if match is None or int(match[1]) < 1 or not 1 <= int(match[2]) <= 12:
        return None
    return datetime.date(int(match[1]), int(match[2]), 1)


def _months_between(first: datetime.date, last: datetime.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def _too_few_in_version(version: FrameworkVersion, k: int) -> str:
    return (
        f"Version {version.number} has no cycle with self-assessments from {k} or more people "
        "in this service, so its figures are not shown: the newest version with figures is."
    )


def _form(
    versions: list[FrameworkVersion],
    version: FrameworkVersion,
    cycles: list[int],
    teams: list[TeamColumn],
    values: dict[str, str],
    errors: dict[str, str],
) -> HeatmapFilterForm:
    data = {"version": str(version.number), "measure": DEFAULT_MEASURE, **values}
    form = HeatmapFilterForm(data, versions=versions, cycles=cycles, teams=teams)
    form.full_clean()
    for name, message in errors.items():
        form.add_error(name, message)
    return form
