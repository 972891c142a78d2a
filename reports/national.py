"""The national view's figures: services compared within one framework version and cycle,
by COM-B component first (mean need), with a drill-down to one component's statements.

Everything comes from `ItemSummary` in one aggregate query summing in the database, never
from the ratings, so the page costs the same for 3 services or 300: a few small reads
(frameworks, versions, the latest cycle, the version's statements, the services) and that
query. The covering index `item_summary_national` (version, cycle, service, team, item, with
respondents and total included) serves it: PostgreSQL reads one version and cycle's rows
(about 105,000 of the 840,000 at national scale) from the index alone, already in service and
team order, and sums each component per team as the rows stream past (conditional
aggregates, no sort, no hash table, no table access).

Suppression: a cell describes the therapists who rated its statements in that service. A
therapist submits one assessment per framework and cycle, counted for one team, so a team's
respondents to a statement are distinct people and teams share none. A statement's cell
counts its respondents exactly; a component's counts at least the sum over teams of each
team's most-rated statement in it. That count is compared with the service's k
(`permissions.small_group_minimum(service)`), so no figure describes fewer than k people.
The national total of a column includes every service; it is withheld when the hidden cells
of the column together describe fewer than k people, since the total less the visible cells
would describe them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Aggregate, Max, Q, QuerySet, Sum

from accounts.models import Service
from accounts.permissions import small_group_minimum
from assessments.models import Framework, FrameworkItem, FrameworkVersion
from assessments.taxonomy import COM_B_COMPONENTS

from .models import ItemSummary

SERVICES_PER_PAGE = 25
# The statements a component groups, as columns of the first table: COM-B's three
# components, and the target behaviours (the B of COM-B) that no component codes.
BEHAVIOUR = "B"
GROUPS: tuple[tuple[str, str], ...] = (*COM_B_COMPONENTS, (BEHAVIOUR, "Target behaviours"))
GROUP_NAMES = dict(GROUPS)
# Sort keys besides a group or statement key.
SORT_SERVICE = "service"
SORT_RESPONDENTS = "respondents"


@dataclass(frozen=True)
class Statement:
    """A rated statement of the version, with the group it counts for."""

    pk: int
    key: str
    text: str
    group: str


@dataclass(frozen=True)
class Column:
    """A column of figures: a group (component) or, in a drill-down, a statement."""

    key: str
    label: str
    text: str = ""


@dataclass(frozen=True)
class Cell:
    """Mean need (0 no need … 100 greatest) over `respondents` therapists; `hidden` when they
    are fewer than k, `mean_need` None when hidden or when nobody rated it."""

    mean_need: float | None
    respondents: int
    hidden: bool = False

    @property
    def empty(self) -> bool:
        return self.respondents == 0


@dataclass
class ServiceRow:
    """A service's cells, and how many of its therapists (at least) rated what is shown."""

    service: Service
    k: int
    respondents: int
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def figures(self) -> list[Cell]:
        """The cells in column order (built in that order)."""
        return list(self.cells.values())

    @property
    def shown_respondents(self) -> int | None:
        """The count, or None when it is below the service's k (or nobody rated)."""
        return self.respondents if self.respondents >= self.k else None


@dataclass(frozen=True)
class NationalTable:
    version: FrameworkVersion
    cycle: int
    component: str | None
    columns: list[Column]
    rows: list[ServiceRow]
    totals: dict[str, Cell]
    k: int

    @property
    def total_figures(self) -> list[Cell]:
        return [self.totals[column.key] for column in self.columns]

    @property
    def total_respondents(self) -> int | None:
        """Therapists (at least) across services; withheld, as a column's total is, when the
        services whose count is hidden together have fewer than k."""
        hidden = [row for row in self.rows if row.shown_respondents is None]
        hidden_count = sum(row.respondents for row in hidden)
        k = max([self.k, *(row.k for row in hidden)])
        if 0 < hidden_count < k:
            return None
        return sum(row.respondents for row in self.rows)


@dataclass
class _Sums:
    """The ratings of one cell: how many, their sum, and how many distinct therapists at
    least gave them."""

    ratings: int = 0
    total: int = 0
    respondents: int = 0


@dataclass
class _ServiceSums:
    cells: dict[str, _Sums] = field(default_factory=lambda: defaultdict(_Sums))
    respondents: int = 0  # therapists who rated any statement shown, at least


def mean_need(ratings: int, total: int) -> float | None:
    """The mean of (5 - rating) / 4 * 100 over `ratings` ratings summing to `total`."""
    if ratings == 0:
        return None
    return (5 * ratings - total) / (4 * ratings) * 100


def frameworks() -> list[Framework]:
    """Frameworks with a published version, by name (the filter's choices)."""
    return list(
        Framework.objects.filter(versions__status=FrameworkVersion.Status.PUBLISHED)
        .distinct()
        .order_by("name")
    )


def published_versions(framework: Framework) -> list[FrameworkVersion]:
    """The framework's published versions, newest first."""
    return list(
        FrameworkVersion.objects.published()
        .filter(framework=framework)
        .select_related("framework")
        .order_by("-number")
    )


def latest_cycle(version: FrameworkVersion) -> int | None:
    """The latest cycle anyone submitted in this version (one backward step of the index)."""
    return (
        ItemSummary.objects.filter(version=version)
        .order_by("-cycle")
        .values_list("cycle", flat=True)
        .first()
    )


def statements(version: FrameworkVersion) -> list[Statement]:
    """The version's rated statements in questionnaire order, each with its group: its
    primary sub-component's component, else its section's, else a target behaviour."""
    rows = (
        FrameworkItem.objects.rated()
        .filter(version=version)
        .order_by("section__order", "order", "pk")
        .values_list(
            "pk",
            "key",
            "target_text",
            "primary_subcomponent__component__code",
            "section__component__code",
        )
    )
    return [
        Statement(pk, key, text, primary or section or BEHAVIOUR)
        for pk, key, text, primary, section in rows
    ]


def national_table(
    version: FrameworkVersion, cycle: int, component: str | None = None
) -> NationalTable:
    """Every service's cells for the version and cycle: one per group, or with `component`
    one per statement of that group; the national totals; all suppressed per service."""
    items = statements(version)
    if component:
        items = [item for item in items if item.group == component]
        columns = [Column(item.key, item.key, item.text) for item in items]
    else:
        present = {item.group for item in items}
        columns = [Column(code, name) for code, name in GROUPS if code in present]
    per_service = _sums(version, cycle, items, component)
    services = Service.objects.filter(
        Q(pk__in=list(per_service)) | Q(framework_id=version.framework_id)
    ).only("pk", "name", "slug", "small_group_min")
    rows = [_row(service, per_service.get(service.pk), columns) for service in services]
    return NationalTable(
        version=version,
        cycle=cycle,
        component=component,
        columns=columns,
        rows=rows,
        totals=_totals(rows, per_service, columns),
        k=small_group_minimum(),
    )


def _sums(
    version: FrameworkVersion, cycle: int, items: list[Statement], component: str | None
) -> dict[int, _ServiceSums]:
    """Per service and column, the ratings, their sum and their therapists (at least, as the
    module says), from one query summing in the database."""
    rows = ItemSummary.objects.filter(version=version, cycle=cycle)
    if not items:
        return {}
    if component:
        return _statement_sums(rows, items)
    return _component_sums(rows, items)


def _statement_sums(rows: QuerySet[ItemSummary], items: list[Statement]) -> dict[int, _ServiceSums]:
    """Each statement's sums over the service's teams (its respondents exactly)."""
    by_service: dict[int, _ServiceSums] = defaultdict(_ServiceSums)
    key_of = {item.pk: item.key for item in items}
    per_item = (
        rows.filter(item_id__in=list(key_of))
        .values_list("service_id", "item_id")
        .annotate(Sum("respondents"), Sum("total"))
        .order_by()
    )
    for service_id, item_id, respondents, total in per_item:
        sums = by_service[service_id]
        sums.cells[key_of[item_id]] = _Sums(respondents, total, respondents)
        sums.respondents = max(sums.respondents, respondents)
    return by_service


def _component_sums(rows: QuerySet[ItemSummary], items: list[Statement]) -> dict[int, _ServiceSums]:
    """Each group's sums per team, side by side in one row per team, added up per service."""
    by_service: dict[int, _ServiceSums] = defaultdict(_ServiceSums)
    groups = _statements_by_group(items)
    aggregates: dict[str, Aggregate] = {}
    for number, pks in enumerate(groups.values()):
        in_group = Q(item_id__in=pks)
        aggregates |= {
            f"ratings_{number}": Sum("respondents", filter=in_group),
            f"total_{number}": Sum("total", filter=in_group),
            f"most_{number}": Max("respondents", filter=in_group),
        }
    # One row per team, in the covering index's order: the groups' sums side by side.
    for service_id, _team_id, *figures in (
        rows.values_list("service_id", "team_id").annotate(**aggregates).order_by()
    ):
        sums = by_service[service_id]
        team_most = 0
        for number, group in enumerate(groups):
            ratings, total, most = figures[3 * number : 3 * number + 3]
            if not ratings:
                continue
            cell = sums.cells[group]
            cell.ratings += ratings
            cell.total += total
            cell.respondents += most
            team_most = max(team_most, most)
        sums.respondents += team_most
    return by_service


def _statements_by_group(items: list[Statement]) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = defaultdict(list)
    for item in items:
        ids[item.group].append(item.pk)
    return ids


def _cell(sums: _Sums | None, k: int) -> Cell:
    if sums is None or sums.ratings == 0:
        return Cell(None, 0)
    if sums.respondents < k:
        return Cell(None, sums.respondents, hidden=True)
    return Cell(mean_need(sums.ratings, sums.total), sums.respondents)


def _row(service: Service, sums: _ServiceSums | None, columns: list[Column]) -> ServiceRow:
    k = small_group_minimum(service)
    sums = sums or _ServiceSums()
    return ServiceRow(
        service=service,
        k=k,
        respondents=sums.respondents,
        cells={column.key: _cell(sums.cells.get(column.key), k) for column in columns},
    )


def _totals(
    rows: list[ServiceRow], per_service: dict[int, _ServiceSums], columns: list[Column]
) -> dict[str, Cell]:
    """The national figure of each column, over every service's ratings; withheld when the
    column's hidden cells together describe fewer than k people (their k, or the product's),
    since the total less the visible cells would describe them."""
    totals = {}
    for column in columns:
        ratings = total = respondents = hidden = 0
        k = small_group_minimum()
        for row in rows:
            service_sums = per_service.get(row.service.pk)
            sums = service_sums.cells.get(column.key) if service_sums else None
            if sums is None:
                continue
            ratings += sums.ratings
            total += sums.total
            respondents += sums.respondents
            if row.cells[column.key].hidden:
                hidden += sums.respondents
                k = max(k, row.k)
        withheld = 0 < hidden < k
        totals[column.key] = Cell(
            None if withheld else mean_need(ratings, total), respondents, hidden=withheld
        )
    return totals


def sort_keys(table: NationalTable) -> list[str]:
    return [SORT_SERVICE, SORT_RESPONDENTS, *(column.key for column in table.columns)]


def sorted_rows(table: NationalTable, key: str, descending: bool) -> list[ServiceRow]:
    """The rows by service name, respondents or a column's mean need; figures hidden or
    missing always come last, in name order, whichever the direction."""
    by_name = sorted(table.rows, key=lambda row: (row.service.name.casefold(), row.service.pk))
    if key == SORT_SERVICE:
        return by_name[::-1] if descending else by_name

    def figure(row: ServiceRow) -> float | None:
        if key == SORT_RESPONDENTS:
            return row.shown_respondents
        cell = row.cells.get(key)
        return None if cell is None else cell.mean_need

    shown = [row for row in by_name if figure(row) is not None]
    rest = [row for row in by_name if figure(row) is None]
    shown.sort(key=lambda row: figure(row) or 0.0, reverse=descending)
    return shown + rest
