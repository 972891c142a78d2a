"""The service lead's barrier heatmap: one framework version and cycle of one service, its
rated statements as rows (barriers by COM-B component and sub-component, target behaviours by
section, in framework order) and its teams plus the service total as columns.

Each cell comes from `ItemSummary` alone (never the ratings): mean need, (5 - mean) / 4 * 100,
or the share reporting the barrier (rated 2 or less), over the cell's respondents. Every row
goes through `permissions.suppress_row`, so no cell over fewer than k people is shown, nor one
that the rest of its row would give away. Private statements (self-care, burnout) appear only
in these aggregates.

The reads run a fixed number of queries however many teams or statements there are: the
versions with figures, the teams' respondents in every cycle of the chosen version, the
statements with their coding, and the summaries summed per team and statement in the database.

A period (from one month to another) replaces the cycle: each therapist's latest self-assessment
of the version submitted in it counts, for the team recorded on it. Item summaries are per
cycle, so a period is read per domain from `AssessmentDomainScore` instead: rows are the COM-B
components with their sub-components and the behaviour groups, each cell the mean need of the
domain means over the assessments with a mean for it (the share reporting is per statement, so
a period has none). "Latest in the period" is a subquery, and the grouping per team and domain
runs in the database, so the query count stays fixed too.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import QueryDict
from django.utils import timezone

from accounts import permissions
from accounts.models import Service
from assessments import scoring
from assessments.models import FrameworkItem, FrameworkVersion, SelfAssessment
from assessments.taxonomy import COM_B_COMPONENTS, SectionKind

from .models import AssessmentDomainScore, ItemSummary

Measure = Literal["need", "share"]
MEASURES: dict[str, str] = {
    "need": "Mean need (0 at the target, 100 furthest from it)",
    "share": "Share reporting the barrier (rated 2 or less), %",
}
DEFAULT_MEASURE: Measure = "need"
COMPONENTS = dict(COM_B_COMPONENTS)
# Colour bins: 0-20, 20-40, 40-60, 60-80, 80-100 (static/css/heatmap.css, charts.BIN_COLOURS).
BINS = 5
BIN_WIDTH = 100 / BINS


@dataclass(frozen=True)
class TeamColumn:
    pk: int
    name: str
    respondents: int  # submitted assessments counted for the team in the version and cycle


@dataclass(frozen=True)
class Groups:
    """Who answered a version, per cycle: the service's teams with their respondents."""

    by_cycle: dict[int, list[TeamColumn]]

    @property
    def cycles(self) -> list[int]:
        """Cycles with any submitted assessment, latest first."""
        return sorted(self.by_cycle, reverse=True)

    def service_respondents(self, cycle: int) -> int:
        return sum(team.respondents for team in self.by_cycle.get(cycle, []))

    def default_cycle(self, k: int) -> int | None:
        """The latest cycle with at least k respondents in the service, else the latest."""
        for cycle in self.cycles:
            if self.service_respondents(cycle) >= k:
                return cycle
        return self.cycles[0] if self.cycles else None


@dataclass(frozen=True)
class Period:
    """Whole months, `first` to `last` (both the first day of their month), inclusive."""

    first: datetime.date
    last: datetime.date

    @property
    def starts(self) -> datetime.datetime:
        """The first moment of the period, in the service's time zone."""
        return _midnight(self.first)

    @property
    def ends(self) -> datetime.datetime:
        """The first moment after the period."""
        following = self.last.replace(
            year=self.last.year + self.last.month // 12, month=self.last.month % 12 + 1
        )
        return _midnight(following)

    @property
    def label(self) -> str:
        """ "January 2026 and June 2026", for "submitted between … and …"."""
        return f"{self.first:%B %Y} and {self.last:%B %Y}"

    @property
    def slug(self) -> str:
        return f"{self.first:%Y-%m}-to-{self.last:%Y-%m}"


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class Filters:
    """What the heatmap shows: all valid (the form refused anything else). With a period, the
    period replaces the cycle (which is then only the form's default)."""

    version: FrameworkVersion
    cycle: int
    team: TeamColumn | None = None
    component: str | None = None
    measure: Measure = DEFAULT_MEASURE
    period: Period | None = None

    @property
    def component_name(self) -> str:
        return COMPONENTS.get(self.component or "", "")

    def query_string(self) -> str:
        """The same filters for the chart downloads and a shareable link."""
        query = QueryDict(mutable=True)
        query["version"] = str(self.version.number)
        if self.period is not None:
            query["period_from"] = f"{self.period.first:%Y-%m}"
            query["period_to"] = f"{self.period.last:%Y-%m}"
        else:
            query["cycle"] = str(self.cycle)
        if self.team is not None:
            query["team"] = str(self.team.pk)
        if self.component:
            query["component"] = self.component
        query["measure"] = self.measure
        return query.urlencode()


@dataclass(frozen=True)
class Cell:
    """One figure: `value` 0 to 100, None when hidden or when nobody answered (empty)."""

    respondents: int
    value: float | None
    hidden: bool = False

    @property
    def empty(self) -> bool:
        return self.respondents == 0

    @property
    def shown(self) -> bool:
        return self.value is not None

    @property
    def bin(self) -> int | None:
        """The colour bin, 1 (lowest) to BINS, of a shown figure."""
        if self.value is None:
            return None
        return min(BINS, int(self.value // BIN_WIDTH) + 1)


@dataclass(frozen=True)
class Domain:
    """A row of a period's heatmap: a COM-B component or sub-component, or a behaviour group
    (`AssessmentDomainScore`'s kind and key)."""

    kind: str
    key: str
    name: str


@dataclass(frozen=True)
class Row:
    """A statement's row (a cycle's heatmap) or a domain's (a period's)."""

    item: FrameworkItem | None
    cells: list[Cell]  # one per column shown, in column order
    total: Cell
    domain: Domain | None = None

    @property
    def key(self) -> str:
        return self.item.key if self.item is not None else ""

    @property
    def text(self) -> str:
        if self.item is not None:
            return self.item.target_text
        return self.domain.name if self.domain is not None else ""

    @property
    def is_private(self) -> bool:
        return self.item is not None and self.item.is_sensitive


@dataclass
class RowGroup:
    """Statements under one heading: a COM-B sub-component, or a behaviour section."""

    title: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Block:
    """A band of the table: one COM-B component's barriers, or the target behaviours."""

    title: str
    groups: list[RowGroup] = field(default_factory=list)


@dataclass(frozen=True)
class Heatmap:
    filters: Filters
    k: int
    columns: list[TeamColumn]
    blocks: list[Block]

    @property
    def is_empty(self) -> bool:
        return not self.columns or not any(block.groups for block in self.blocks)

    @property
    def rows(self) -> list[Row]:
        return [row for block in self.blocks for group in block.groups for row in group.rows]


# Reads behind the filters


def versions_with_figures(service: Service) -> list[FrameworkVersion]:
    """The published versions of the service's framework with any figures of the service,
    newest first (one query)."""
    if service.framework_id is None:
        return []
    has_figures = ItemSummary.objects.filter(service=service, version=OuterRef("pk"))
    return list(
        FrameworkVersion.objects.published()
        .filter(Exists(has_figures), framework_id=service.framework_id)
        .select_related("framework")
        .order_by("-number")
    )


def groups_of(service: Service, version: FrameworkVersion) -> Groups:
    """Each cycle's teams with their respondents: submitted assessments counted for the team
    recorded at submission (one query, a count of assessments, never of ratings)."""
    counts = (
        SelfAssessment.objects.submitted()
        .filter(service=service, version=version)
        .values("cycle", "team_id", "team__name")
        .annotate(respondents=Count("pk"))
        .order_by("cycle", "team__name", "team_id")
    )
    by_cycle: dict[int, list[TeamColumn]] = defaultdict(list)
    for row in counts:
        by_cycle[row["cycle"]].append(
            TeamColumn(row["team_id"], row["team__name"], row["respondents"])
        )
    return Groups(dict(by_cycle))


def latest_in_period(
    service: Service, version: FrameworkVersion, period: Period
) -> QuerySet[SelfAssessment]:
    """Each therapist's latest submitted self-assessment of the version in the service within
    the period (a correlated subquery, so one statement wherever it is used)."""
    latest = (
        SelfAssessment.objects.submitted()
        .filter(
            service=service,
            version=version,
            therapist_id=OuterRef("therapist_id"),
            submitted_at__gte=period.starts,
            submitted_at__lt=period.ends,
        )
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )
    return SelfAssessment.objects.submitted().filter(
        service=service, version=version, pk=Subquery(latest)
    )


def columns_in_period(
    service: Service, version: FrameworkVersion, period: Period
) -> list[TeamColumn]:
    """The teams with assessments counted in the period (each for the team recorded on it),
    with how many (one query)."""
    counts = (
        latest_in_period(service, version, period)
        .values("team_id", "team__name")
        .annotate(respondents=Count("pk"))
        .order_by("team__name", "team_id")
    )
    return [TeamColumn(row["team_id"], row["team__name"], row["respondents"]) for row in counts]


# The heatmap


def build(service: Service, filters: Filters, columns: list[TeamColumn]) -> Heatmap:
    """The heatmap of `filters` for the service, whose teams with respondents in the chosen
    cycle (or period) are `columns` (from `groups_of` or `columns_in_period`): two queries."""
    if filters.period is not None:
        return _build_domains(service, filters, filters.period, columns)
    k = permissions.small_group_minimum(service)
    items = list(_statements(filters.version, filters.component))
    figures = _figures(service, filters, [item.pk for item in items])
    shown = [filters.team] if filters.team is not None else columns
    shown_index = [columns.index(team) for team in shown]
    blocks: dict[str, dict[str, RowGroup]] = {}
    for item in items:
        team_figures = [figures.get((item.pk, team.pk), _NOTHING) for team in columns]
        total_figure = _Figure.sum(team_figures)
        hidden = permissions.suppress_row(
            [figure.respondents for figure in team_figures], total_figure.respondents, k
        )
        cells = [_cell(team_figures[i], hidden[i], filters.measure) for i in shown_index]
        block_title, group_title = _headings(item)
        groups = blocks.setdefault(block_title, {})
        group = groups.setdefault(group_title, RowGroup(group_title))
        group.rows.append(Row(item, cells, _cell(total_figure, hidden[-1], filters.measure)))
    bands = [Block(title, list(groups.values())) for title, groups in blocks.items()]
    return Heatmap(filters, k, shown, bands)


def _build_domains(
    service: Service, filters: Filters, period: Period, columns: list[TeamColumn]
) -> Heatmap:
    """A period's heatmap: one row per domain, each cell the mean need of the domain means of
    the assessments counted (n: those with a mean for the domain), suppressed as statements
    are (two queries: the statements, for the domains and their order, and the figures)."""
    k = permissions.small_group_minimum(service)
    bands = _domains(filters.version, filters.component)
    domains = [row for band in bands for group in band[1] for row in group[1]]
    figures = _domain_figures(service, filters.version, period, domains)
    shown = [filters.team] if filters.team is not None else columns
    shown_index = [columns.index(team) for team in shown]
    blocks = []
    for band_title, groups in bands:
        block = Block(band_title)
        for group_title, group_domains in groups:
            group = RowGroup(group_title)
            for domain in group_domains:
                team_figures = [
                    figures.get((domain.kind, domain.key, team.pk), _NOTHING) for team in columns
                ]
                total_figure = _Figure.sum(team_figures)
                hidden = permissions.suppress_row(
                    [figure.respondents for figure in team_figures], total_figure.respondents, k
                )
                cells = [_cell(team_figures[i], hidden[i], "need") for i in shown_index]
                total = _cell(total_figure, hidden[-1], "need")
                group.rows.append(Row(None, cells, total, domain=domain))
            block.groups.append(group)
        blocks.append(block)
    return Heatmap(filters, k, shown, blocks)


_Bands = list[tuple[str, list[tuple[str, list[Domain]]]]]


def _domains(version: FrameworkVersion, component: str | None) -> _Bands:
    """The version's domains as bands of row groups, in framework order: per COM-B component
    the component itself then its sub-components, then the behaviour groups (the sections of
    target behaviours and collaboration); a component keeps its own band only."""
    kinds = AssessmentDomainScore.Kind
    components: dict[str, tuple[str, dict[str, Domain]]] = {}
    behaviours: dict[str, Domain] = {}
    for item in _statements(version, None):
        section = item.section
        if section.kind == SectionKind.BARRIERS and section.component is not None:
            code = section.component.code
            name = section.component.name
            _, rows = components.setdefault(code, (name, {}))
            rows.setdefault(
                f"component:{code}",
                Domain(kinds.COMPONENT.value, code, f"{name}, all its barriers"),
            )
        elif section.kind != SectionKind.BARRIERS:
            behaviours.setdefault(
                section.key, Domain(kinds.SECTION.value, section.key, section.title)
            )
        sub = item.primary_subcomponent
        if sub is not None:
            _, rows = components.setdefault(sub.component.code, (sub.component.name, {}))
            rows.setdefault(sub.code, Domain(kinds.SUBCOMPONENT.value, sub.code, sub.name))
    bands: _Bands = [
        (f"{name} barriers", [("by sub-component", list(rows.values()))])
        for code, (name, rows) in components.items()
        if component in (None, code)
    ]
    if behaviours and component is None:
        bands.append(("Target behaviours", [("by behaviour group", list(behaviours.values()))]))
    return bands


def _domain_figures(
    service: Service, version: FrameworkVersion, period: Period, domains: list[Domain]
) -> dict[tuple[str, str, int], _Figure]:
    """(kind, key, team) → the assessments with a mean for the domain and their means summed,
    grouped in the database over each therapist's latest assessment in the period (one query).
    A withheld mean (too few answered) counts for nothing, as an all-N/A statement does."""
    wanted = Q(pk__in=[])
    for kind in {domain.kind for domain in domains}:
        wanted |= Q(kind=kind, key__in=[d.key for d in domains if d.kind == kind])
    rows = (
        AssessmentDomainScore.objects.filter(
            wanted,
            service=service,
            version=version,
            assessment__in=latest_in_period(service, version, period).values("pk"),
            mean__isnull=False,
        )
        .values("kind", "key", "team_id")
        .annotate(n=Count("pk"), mean_sum=Sum("mean"))
        .order_by()
    )
    return {
        (row["kind"], row["key"], row["team_id"]): _Figure(row["n"], row["mean_sum"] or 0.0)
        for row in rows
    }


@dataclass(frozen=True)
class _Figure:
    respondents: int = 0
    total: float = 0  # the ratings summed (a cycle's statement) or the domain means (a period's)
    reporting: int = 0

    @classmethod
    def sum(cls, figures: list[_Figure]) -> _Figure:
        return cls(
            sum(f.respondents for f in figures),
            sum(f.total for f in figures),
            sum(f.reporting for f in figures),
        )


_NOTHING = _Figure()


def _cell(figure: _Figure, hidden: bool, measure: Measure) -> Cell:
    if figure.respondents == 0 or hidden:
        return Cell(figure.respondents, None, hidden=hidden)
    if measure == "share":
        return Cell(figure.respondents, figure.reporting / figure.respondents * 100)
    mean = figure.total / figure.respondents
    span = scoring.RATING_MAX - scoring.RATING_MIN
    return Cell(figure.respondents, (scoring.RATING_MAX - mean) / span * 100)


def _statements(version: FrameworkVersion, component: str | None) -> QuerySet[FrameworkItem]:
    """The version's rated statements in framework order, with what places them in the table;
    a component keeps the statements coded to it (`cpd.suggestions.component_of`'s rule)."""
    items = (
        FrameworkItem.objects.filter(version=version)
        .rated()
        .select_related("section__component", "primary_subcomponent__component")
        .order_by("section__order", "order", "pk")
    )
    if component:
        items = items.filter(
            Q(primary_subcomponent__component__code=component)
            | Q(primary_subcomponent__isnull=True, section__component__code=component)
        )
    return items


def _figures(
    service: Service, filters: Filters, item_ids: list[int]
) -> dict[tuple[int, int], _Figure]:
    """(statement, team) → the team's figures for it, summed in the database (one query)."""
    rows = (
        ItemSummary.objects.filter(
            service=service, version=filters.version, cycle=filters.cycle, item_id__in=item_ids
        )
        .values("item_id", "team_id")
        .annotate(n=Sum("respondents"), total_sum=Sum("total"), reporting_sum=Sum("reporting"))
        .order_by()
    )
    return {
        (row["item_id"], row["team_id"]): _Figure(
            row["n"] or 0, row["total_sum"] or 0, row["reporting_sum"] or 0
        )
        for row in rows
    }


def _headings(item: FrameworkItem) -> tuple[str, str]:
    """(band, group) of a statement: a barrier's COM-B component and sub-component (its
    primary coding, else its section's component); a behaviour's section."""
    if item.section.kind == SectionKind.BARRIERS:
        sub = item.primary_subcomponent
        component = sub.component if sub is not None else item.section.component
        name = component.name if component is not None else item.section.title
        return f"{name} barriers", sub.name if sub is not None else item.section.title
    return "Target behaviours", item.section.title
