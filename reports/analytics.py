"""The reads behind a service lead's analytics page (issue 19, item 4), each suppressed where a
figure could single someone out (fewer than k people: `permissions.small_group_minimum`).

- Trend: per COM-B component and cycle, the mean of the therapists' component means with its
  95 % confidence interval, grouped in the database from `AssessmentDomainScore` (never from
  item ratings).
- Cohort pre/post: the therapists with both a baseline (cycle 0) and a later cycle in the
  service, paired; mean change, SD, d_z and the shares reliably improved and worse, with the
  stored reliability figures (`assessments.reliability`).
- Cronbach's alpha per component, as stored (never recomputed in a request).
- Per team: participation (a current self-assessment, `assessments.team_status`'s rule),
  supervision coverage (the three-month average against the standard, `supervision.hours`) and
  CPD activities and hours in each therapist's current CPD year.

Complementary suppression: a chosen team's or version's figure is hidden too where the whole
service's figure less it (or less it and the other shown ones) would describe fewer than k
people, and likewise a team's row beside the service's total (`statistics.complementary_hidden`);
so the figures are read per team and version and added up here. A pair counts for the team and
version of its later assessment.

`service_analytics` reads all of it in a fixed number of queries, however many teams,
therapists or cycles the service has.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, F, FloatField, Q, Sum
from django.utils import timezone
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from accounts import permissions
from accounts.models import Membership, Role, Service, Team, User
from assessments.cycles import cycle_status
from assessments.models import DomainReliability, FrameworkVersion, SelfAssessment
from assessments.taxonomy import COM_B_COMPONENTS
from assessments.team_status import latest_assessments
from cpd.models import CpdActivity
from supervision import hours

from . import statistics
from .models import AssessmentDomainScore

COMPONENT = AssessmentDomainScore.Kind.COMPONENT
BASELINE_CYCLE = 0


@dataclass(frozen=True)
class AnalyticsFilter:
    """What the lead chose: a version of the service's framework (None: every version), a range
    of cycles, the later cycle compared with the baseline, and a team (None: the service)."""

    version: FrameworkVersion | None = None
    first_cycle: int | None = None
    last_cycle: int | None = None
    later_cycle: int = 1
    team: Team | None = None


@dataclass(frozen=True)
class TrendPoint:
    cycle: int
    interval: statistics.MeanInterval


@dataclass(frozen=True)
class ComponentTrend:
    key: str
    label: str
    points: list[TrendPoint]


@dataclass(frozen=True)
class ComponentChange:
    key: str
    label: str
    change: statistics.PairedChange
    reliability_known: bool


@dataclass(frozen=True)
class ComponentAlpha:
    key: str
    label: str
    alpha: float | None
    respondents: int | None


@dataclass(frozen=True)
class TeamFigures:
    """One team's (or the service's, `team` None) figures; None where suppressed."""

    team: Team | None
    therapists: int
    participation: float | None
    supervision_coverage: float | None
    cpd_activities: int | None
    cpd_hours: Decimal | None
    cpd_activities_per_therapist: float | None
    cpd_hours_per_therapist: float | None

    @property
    def label(self) -> str:
        return self.team.name if self.team else "Whole service"


@dataclass(frozen=True)
class ServiceAnalytics:
    k: int
    cycles: list[int]
    trends: list[ComponentTrend]
    later_cycle: int
    changes: list[ComponentChange]
    alphas: list[ComponentAlpha]
    teams: list[TeamFigures]

    @property
    def charted(self) -> bool:
        """Whether any trend point is shown (the chart draws only those)."""
        return any(p.interval.mean is not None for t in self.trends for p in t.points)


def service_analytics(
    service: Service, chosen: AnalyticsFilter, today: datetime.date | None = None
) -> ServiceAnalytics:
    """Everything the analytics page shows for a service: nine queries, whatever its size."""
    k = permissions.small_group_minimum(service)
    today = today or timezone.localdate()
    scores = _domain_scores(service)
    reliability = _stored_reliability(service)
    trends, cycles = _trends(scores, chosen, k)
    return ServiceAnalytics(
        k=k,
        cycles=cycles,
        trends=trends,
        later_cycle=chosen.later_cycle,
        changes=_changes(scores, chosen, k, reliability),
        alphas=[
            ComponentAlpha(code, name, *reliability.get(code, (None, None, None))[1:])
            for code, name in COM_B_COMPONENTS
        ],
        teams=_team_figures(service, k, today),
    )


# A group of assessments: (team, version) on the assessment (the later one, for a pair).
Cell = tuple[int, int]


def _domain_scores(service: Service) -> Q:
    """The component scores of the service's framework (any version, any team: the filter's
    complements are needed to keep it from singling anyone out)."""
    return Q(service=service, framework_id=service.framework_id, kind=COMPONENT, mean__isnull=False)


def _chosen_cell(chosen: AnalyticsFilter) -> tuple[int | None, int | None]:
    return (
        chosen.team.pk if chosen.team else None,
        chosen.version.pk if chosen.version else None,
    )


def _hidden(
    cells: dict[Cell, statistics.Tally],
    team: int | None,
    version: int | None,
    disclosable: Callable[[statistics.Tally], bool],
) -> bool:
    """Whether the figure of the chosen team and version must be hidden: it is not disclosable,
    or, beside what the other choices show (each team of the version; each version of the
    team), it would let a hidden group be worked out (`statistics.complementary_hidden`)."""

    def tally(of_team: int | None, of_version: int | None) -> statistics.Tally:
        found = statistics.Tally(0)
        for (cell_team, cell_version), cell in cells.items():
            if of_team in (None, cell_team) and of_version in (None, cell_version):
                found = found + cell
        return found

    if not disclosable(tally(team, version)):
        return True
    if team is not None:
        teams = {t: tally(t, version) for t, _v in cells}
        if team in statistics.complementary_hidden(teams, tally(None, version), disclosable):
            return True
    if version is not None:
        versions = {v: tally(team, v) for _t, v in cells}
        if version in statistics.complementary_hidden(versions, tally(team, None), disclosable):
            return True
    return False


def _trends(scores: Q, chosen: AnalyticsFilter, k: int) -> tuple[list[ComponentTrend], list[int]]:
    """One grouped query: n, sum and sum of squares of the means per component, cycle, team and
    version; the chosen team and version are added up here, with their complements checked."""
    where = scores
    if chosen.first_cycle is not None:
        where &= Q(cycle__gte=chosen.first_cycle)
    if chosen.last_cycle is not None:
        where &= Q(cycle__lte=chosen.last_cycle)
    rows = (
        AssessmentDomainScore.objects.filter(where)
        .order_by()
        .values_list("key", "cycle", "team_id", "version_id")
        .annotate(
            n=Count("pk"),
            total=Sum("mean"),
            squares=Sum(F("mean") * F("mean"), output_field=FloatField()),
        )
    )
    groups: dict[tuple[str, int], dict[Cell, tuple[int, float, float]]] = defaultdict(dict)
    for key, cycle, team, version, n, total, squares in rows:
        groups[key, cycle][team, version] = (n, total, squares)
    team, version = _chosen_cell(chosen)
    points: dict[tuple[str, int], statistics.MeanInterval] = {}
    for (key, cycle), cells in groups.items():
        chosen_cells = [
            sums
            for (cell_team, cell_version), sums in cells.items()
            if team in (None, cell_team) and version in (None, cell_version)
        ]
        if not chosen_cells:
            continue
        n = sum(c[0] for c in chosen_cells)
        tallies = {cell: statistics.Tally(sums[0]) for cell, sums in cells.items()}
        if _hidden(tallies, team, version, lambda t: permissions.is_disclosable(t.n, k)):
            points[key, cycle] = statistics.MeanInterval(n, None, None, None)
            continue
        total = sum(c[1] for c in chosen_cells)
        squares = sum(c[2] for c in chosen_cells)
        points[key, cycle] = statistics.mean_interval(n, total, squares, k)
    cycles = sorted({cycle for _key, cycle in points})
    trends = [
        ComponentTrend(
            code,
            name,
            [
                TrendPoint(
                    cycle, points.get((code, cycle), statistics.MeanInterval(0, None, None, None))
                )
                for cycle in cycles
            ],
        )
        for code, name in COM_B_COMPONENTS
        if any(key == code for key, _cycle in points)
    ]
    return trends, cycles


def _changes(
    scores: Q,
    chosen: AnalyticsFilter,
    k: int,
    reliability: dict[str, tuple[float, float, int]],
) -> list[ComponentChange]:
    """One query: the baseline and later-cycle component means of the service's therapists;
    paired here, each pair in the team and version of its later assessment."""
    where = scores & Q(cycle__in=[BASELINE_CYCLE, chosen.later_cycle])
    rows = (
        AssessmentDomainScore.objects.filter(where)
        .order_by()
        .values_list("assessment__therapist_id", "key", "cycle", "mean", "team_id", "version_id")
    )
    before: dict[tuple[int, str], float] = {}
    after: dict[tuple[int, str], tuple[float, Cell]] = {}
    for therapist, key, cycle, mean, team_id, version_id in rows:
        if mean is None:  # filtered out above; for the type checker
            continue
        if cycle == BASELINE_CYCLE:
            before[therapist, key] = mean
        else:
            after[therapist, key] = (mean, (team_id, version_id))
    pairs: dict[str, dict[Cell, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    for (therapist, key), (later, cell) in after.items():
        if (therapist, key) in before:
            pairs[key][cell].append((before[therapist, key], later))
    return [
        _component_change(code, name, pairs[code], chosen, k, reliability.get(code))
        for code, name in COM_B_COMPONENTS
    ]


def _component_change(
    code: str,
    name: str,
    cells: dict[Cell, list[tuple[float, float]]],
    chosen: AnalyticsFilter,
    k: int,
    figures: tuple[float, float, int] | None,
) -> ComponentChange:
    team, version = _chosen_cell(chosen)
    chosen_pairs = [
        pair
        for (cell_team, cell_version), found in cells.items()
        if team in (None, cell_team) and version in (None, cell_version)
        for pair in found
    ]
    stored = (figures[0], figures[1]) if figures else None
    sizes = {cell: statistics.Tally(len(found)) for cell, found in cells.items()}
    if _hidden(sizes, team, version, lambda t: permissions.is_disclosable(t.n, k)):
        change = statistics.PairedChange(len(chosen_pairs), None, None, None, None, None)
        return ComponentChange(code, name, change, figures is not None)
    change = statistics.paired_change(chosen_pairs, k, stored)
    if stored is not None and (team is not None or version is not None):
        change = _without_derivable_shares(change, cells, team, version, k, stored)
    return ComponentChange(code, name, change, figures is not None)


def _without_derivable_shares(
    change: statistics.PairedChange,
    cells: dict[Cell, list[tuple[float, float]]],
    team: int | None,
    version: int | None,
    k: int,
    stored: tuple[float, float],
) -> statistics.PairedChange:
    """The change with each reliable-change share hidden whose complement within the service
    could single people out."""
    counts = {cell: statistics.reliable_counts(found, stored) for cell, found in cells.items()}
    if any(found is None for found in counts.values()):
        return replace(change, improved=None, worse=None)

    def share_hidden(which: int) -> bool:
        tallies = {
            cell: statistics.Tally(len(cells[cell]), found[which])
            for cell, found in counts.items()
            if found is not None
        }
        return _hidden(tallies, team, version, _share_disclosable(k))

    return replace(
        change,
        improved=None if share_hidden(0) else change.improved,
        worse=None if share_hidden(1) else change.worse,
    )


def _share_disclosable(k: int) -> Callable[[statistics.Tally], bool]:
    return lambda tally: statistics.disclosable_share(tally.count, tally.n, k) is not None


def _stored_reliability(service: Service) -> dict[str, tuple[float, float, int]]:
    """(baseline SD, alpha, respondents) by component key, as stored for the framework."""
    if service.framework_id is None:
        return {}
    rows = DomainReliability.objects.filter(
        framework_id=service.framework_id, domain_key__in=[code for code, _ in COM_B_COMPONENTS]
    ).values_list("domain_key", "baseline_sd", "alpha", "respondents")
    return {key: (sd, alpha, n) for key, sd, alpha, n in rows}


def _team_figures(service: Service, k: int, today: datetime.date) -> list[TeamFigures]:
    """Every team, then the whole service (five queries). A team's figure is hidden where it
    describes too few people, and also where, beside the service's total and the other teams'
    figures, it would let a hidden team's be worked out."""
    teams = list(service.teams.order_by("name", "pk"))
    memberships = Membership.objects.current(today).filter(
        service=service, role=Role.THERAPIST, user__is_active=True, team__isnull=False
    )
    members: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in memberships.order_by().values_list("team_id", "user_id").distinct():
        members[team_id].add(user_id)
    people: set[int] = set().union(*members.values()) if members else set()
    current = _with_current_assessment(service, people, today)
    covered = _meeting_supervision_standard(people)
    cpd = _cpd_this_year(people, today)

    def hidden(counted: set[int], disclosable: Callable[[statistics.Tally], bool]) -> set[int]:
        tallies = {
            t.pk: statistics.Tally(len(members[t.pk]), len(members[t.pk] & counted)) for t in teams
        }
        total = statistics.Tally(len(people), len(people & counted))
        return statistics.complementary_hidden(tallies, total, disclosable) | (
            set(tallies) if not disclosable(total) else set()
        )

    big_enough = hidden(set(), lambda t: permissions.is_disclosable(t.n, k))
    participation = hidden(current, lambda t: t.n >= k and t.count >= k)
    coverage = hidden(covered, _share_disclosable(k))
    rows = [
        _figures(
            t,
            members[t.pk],
            current,
            covered,
            cpd,
            t.pk in big_enough,
            t.pk in participation,
            t.pk in coverage,
        )
        for t in teams
    ]
    total = statistics.Tally(len(people), len(people & current))
    rows.append(
        _figures(
            None,
            people,
            current,
            covered,
            cpd,
            not permissions.is_disclosable(len(people), k),
            not (total.n >= k and total.count >= k),
            statistics.disclosable_share(len(people & covered), len(people), k) is None,
        )
    )
    return rows


def _figures(
    team: Team | None,
    therapists: set[int],
    current: set[int],
    covered: set[int],
    cpd: dict[int, tuple[int, Decimal]],
    too_few: bool,
    participation_hidden: bool,
    coverage_hidden: bool,
) -> TeamFigures:
    n = len(therapists)
    activities = sum(cpd[pk][0] for pk in therapists if pk in cpd)
    hours_done = sum((cpd[pk][1] for pk in therapists if pk in cpd), Decimal(0))
    return TeamFigures(
        team=team,
        therapists=n,
        # Like the overview's counts: hidden below k therapists or below k with one.
        participation=None if participation_hidden else len(therapists & current) / n,
        supervision_coverage=None if coverage_hidden else len(therapists & covered) / n,
        cpd_activities=None if too_few else activities,
        cpd_hours=None if too_few else hours_done,
        cpd_activities_per_therapist=None if too_few else activities / n,
        cpd_hours_per_therapist=None if too_few else float(hours_done) / n,
    )


def _with_current_assessment(service: Service, people: set[int], today: datetime.date) -> set[int]:
    """The therapists whose self-assessment of the service's framework is current (one query)."""
    if not people or service.framework_id is None:
        return set()
    found: dict[int, list[SelfAssessment]] = defaultdict(list)
    for (therapist, _framework), stand_in in latest_assessments(people, {service.framework_id}):
        found[therapist].append(stand_in)
    months = service.reassessment_interval_months
    return {
        pk for pk, assessments in found.items()
        if cycle_status(assessments, months, today).state == "complete"
    }  # fmt: skip


def _meeting_supervision_standard(people: set[int]) -> set[int]:
    """The therapists whose last three months average at least the standard (two queries)."""
    if not people:
        return set()
    months = hours.monthly_hours_of([User(pk=pk) for pk in sorted(people)])
    return {pk for pk, run in months.items() if hours.rolling_average(run).meets_standard}


def _cpd_this_year(people: set[int], today: datetime.date) -> dict[int, tuple[int, Decimal]]:
    """Activities and hours per therapist in the CPD plan covering today (one query)."""
    if not people:
        return {}
    rows = (
        CpdActivity.objects.filter(
            plan__therapist_id__in=people, plan__starts_on__lte=today, plan__ends_on__gt=today
        )
        .order_by()
        .values("plan__therapist_id")
        .annotate(n=Count("pk"), hours=Sum("hours"))
    )
    return {row["plan__therapist_id"]: (row["n"], row["hours"] or Decimal(0)) for row in rows}


# The trend chart: matplotlib's object API (no pyplot state shared between requests), as SVG,
# cached by its figures so a page reload does not draw it again.

CHART_COLOURS = {"C": "#005eb8", "O": "#768692", "M": "#ed8b00"}
CHART_MARKERS = {"C": "o", "O": "s", "M": "^"}
CHART_CACHE_SECONDS = 24 * 60 * 60
CHART_FONT_SIZE = 11


def trend_chart_svg(trends: list[ComponentTrend]) -> bytes:
    """Each component's mean rating (1 to 5) per cycle with its 95 % interval as error bars;
    suppressed points are left out (the table beside the chart says so)."""
    key = "reports-trend-chart:" + hashlib.sha256(repr(trends).encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = _draw_trend_chart(trends)
        cache.set(key, svg, CHART_CACHE_SECONDS)
    return svg


def _draw_trend_chart(trends: list[ComponentTrend]) -> bytes:
    figure = Figure(figsize=(6, 3.6), layout="constrained")
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    cycles: set[int] = set()
    for trend in trends:
        shown = [p for p in trend.points if p.interval.mean is not None]
        cycles.update(p.cycle for p in trend.points)
        if not shown:
            continue
        means = [p.interval.mean or 0.0 for p in shown]
        below = [mean - _or(p.interval.low, mean) for mean, p in zip(means, shown, strict=True)]
        above = [_or(p.interval.high, mean) - mean for mean, p in zip(means, shown, strict=True)]
        axes.errorbar(
            [p.cycle for p in shown],
            means,
            yerr=[below, above],
            label=trend.label,
            color=CHART_COLOURS.get(trend.key, "#425563"),
            marker=CHART_MARKERS.get(trend.key, "o"),
            capsize=4,
        )
    axes.set_ylim(1, 5)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.set_xticks(sorted(cycles), [_cycle_label(c) for c in sorted(cycles)])
    axes.set_ylabel("Mean rating (5: at the target)", fontsize=CHART_FONT_SIZE)
    axes.tick_params(labelsize=CHART_FONT_SIZE)
    axes.spines[["top", "right"]].set_visible(False)
    if axes.get_legend_handles_labels()[0]:
        figure.legend(loc="outside lower center", ncols=3, frameon=False, fontsize=CHART_FONT_SIZE)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _cycle_label(cycle: int) -> str:
    return "Baseline" if cycle == BASELINE_CYCLE else f"Cycle {cycle}"


def _or(bound: float | None, mean: float) -> float:
    """An interval's bound, or the mean itself where there is none (n = 1): no error bar."""
    return mean if bound is None else bound
