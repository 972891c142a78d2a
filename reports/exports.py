"""The anonymised export of a service's responses, for service evaluation (issue 19, item 7).

One row per submitted assessment, one column per statement key: the shape R, SPSS, Stata and
a spreadsheet read directly for pre/post comparisons, reliability and item analysis, where a
row per rating would have to be pivoted first. A participant column links one therapist's
assessments within the export, so cycles can be paired.

What is left out or coarsened, and why:
- names, usernames and ids: a pseudonym instead, an HMAC of the therapist's id under a key
  drawn for this export alone, so one export's rows link to each other and never to
  another export's;
- comments (free text) and private statements (self-care, burnout: shown only in suppressed
  aggregates);
- the submission date, to the month;
- teams with fewer than k distinct therapists in the export (k of the service): "other", and
  when "other" would itself hold fewer than k, the next smallest teams join it.

The rows are read from the database in chunks (`iterator`) as plain tuples, ratings in
assessment order, and written one assessment at a time, so memory stays flat however many
assessments the service has. This is the one read of raw ratings outside the summaries: an
export of responses is what they are.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Service, Team
from accounts.permissions import small_group_minimum
from assessments.models import FrameworkItem, ItemRating, SelfAssessment
from assessments.taxonomy import RATED_SECTION_KINDS
from comb_tracker.documents import safe_cell

OTHER_TEAMS = "other"
NOT_APPLICABLE = "NA"
CHUNK_SIZE = 2000
FIXED_COLUMNS = ("participant", "team", "framework", "version", "cycle", "submitted_month")


def _pseudonym_key() -> bytes:
    return secrets.token_bytes(32)


@dataclass
class ResponsesExport:
    """One download of a service's submitted responses; its pseudonyms hold for it alone."""

    service: Service
    key: bytes = field(default_factory=_pseudonym_key, repr=False)

    def filename(self, today: datetime.date | None = None) -> str:
        today = today or timezone.localdate()
        return f"{self.service.slug}-responses-{today:%Y-%m-%d}.csv"

    def pseudonym(self, therapist_id: int) -> str:
        digest = hmac.new(self.key, str(therapist_id).encode(), hashlib.sha256).hexdigest()
        return f"P{digest[:16]}"

    def therapist_ids(self) -> Iterator[int]:
        """Whose submitted answers the export holds (for their access records)."""
        submitted = SelfAssessment.objects.submitted().filter(service=self.service)
        return submitted.order_by().values_list("therapist_id", flat=True).distinct().iterator()

    def lines(self) -> Iterator[list[object]]:
        """The header, then a row per submitted assessment, formula-safe, read lazily."""
        submitted = SelfAssessment.objects.submitted().filter(service=self.service)
        keys = _statement_keys(submitted)
        column_of = {key: number for number, key in enumerate(keys)}
        team_labels = _team_labels(self.service, submitted)
        yield [*FIXED_COLUMNS, *keys]
        for _assessment_id, ratings in groupby(_ratings(submitted), key=itemgetter(0)):
            first, *rest = ratings
            _, therapist_id, team_id, framework, version, cycle, submitted_at, _k, _v = first
            cells: list[object] = [""] * len(keys)
            for *_, key, value in (first, *rest):
                cells[column_of[key]] = NOT_APPLICABLE if value is None else value
            month = timezone.localtime(submitted_at).strftime("%Y-%m")
            row = [
                self.pseudonym(therapist_id),
                team_labels.get(team_id, OTHER_TEAMS),
                framework,
                version,
                cycle,
                month,
                *cells,
            ]
            yield [safe_cell(cell) for cell in row]


def _statement_keys(submitted: QuerySet[SelfAssessment]) -> list[str]:
    """The statement keys of every version in the export, in questionnaire order; a key keeps
    one column across versions (keys are stable when the meaning is)."""
    rows = (
        FrameworkItem.objects.rated()
        .filter(is_sensitive=False, version__in=submitted.values("version_id"))
        .order_by("version__framework_id", "-version__number", "section__order", "order")
        .values_list("key", flat=True)
    )
    return list(dict.fromkeys(rows))


def _ratings(submitted: QuerySet[SelfAssessment]) -> Iterator[tuple[Any, ...]]:
    return (
        ItemRating.objects.filter(
            assessment__in=submitted.values("pk"),
            item__section__kind__in=RATED_SECTION_KINDS,
            item__is_sensitive=False,
        )
        .order_by("assessment_id", "item_id")
        .values_list(
            "assessment_id",
            "assessment__therapist_id",
            "assessment__team_id",
            "assessment__framework__slug",
            "assessment__version__number",
            "assessment__cycle",
            "assessment__submitted_at",
            "item__key",
            "value",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _team_labels(service: Service, submitted: QuerySet[SelfAssessment]) -> dict[int, str]:
    """The teams named in the export: those with at least k distinct therapists in it. If
    the rest ("other") would hold between 1 and k - 1 therapists, the smallest named teams
    join it until it holds k or more (or nothing is left to name)."""
    k = small_group_minimum(service)
    people: dict[int, set[int]] = {}
    for team_id, therapist_id in submitted.values_list("team_id", "therapist_id").distinct():
        people.setdefault(team_id, set()).add(therapist_id)
    named = sorted(
        (team for team, members in people.items() if len(members) >= k),
        key=lambda team: (len(people[team]), team),
    )
    other = set().union(*(people[t] for t in people if t not in named))
    while named and 0 < len(other) < k:
        other |= people[named.pop(0)]
    names = dict(Team.objects.filter(pk__in=named).values_list("pk", "name"))
    return {team: names[team] for team in named}
