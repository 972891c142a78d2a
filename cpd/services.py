"""What changes a CPD plan: the year's plan (made on first use, unfinished goals carried
forward), its goals (added, changed, accepted from a suggestion), dismissed suggestions, and
Motivation needs routed to the supervision agenda.

Each function is one transaction and sets the history user through `_history_user`. Writes
for one therapist run one after the other: each first locks the therapist's user row
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite locks the database for every write transaction),
so a double submit finds what the first one made instead of making it twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.models import FrameworkItem
from supervision.agenda import suggest_agenda_item
from supervision.models import AgendaItem

from .models import TITLE_LENGTH, CpdGoal, CpdPlan, SuggestionDismissal
from .suggestions import TOP_NEEDS, LatestNeeds, Need, activity_types, latest_needs, target_rating

Status = CpdGoal.Status
Measure = CpdGoal.Measure
NOT_SUGGESTED = "This statement is not among the needs of your latest self-assessment."
# Editable fields of a goal, as `add_goal` and `update_goal` take them.
GOAL_FIELDS = ("title", "description", "measure", "target_rating", "outcome", "target_on")


def a_year_after(day: datetime.date) -> datetime.date:
    """The same day a year on (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


# Plans


@transaction.atomic
def current_plan(therapist: User, *, today: datetime.date | None = None) -> CpdPlan:
    """The plan of the CPD year `today` falls in, made on first use: it starts where last
    year's plan ended (when that year has not passed too) or today, runs a year (to the next
    renewal date when last year's ran to one), and takes last year's unfinished goals."""
    today = today or timezone.localdate()
    found = _plan_on(therapist, today)
    if found is not None:
        return found
    lock_therapist(therapist)
    found = _plan_on(therapist, today)
    if found is not None:
        return found
    previous = (
        CpdPlan.objects.filter(therapist=therapist, ends_on__lte=today).order_by("-ends_on").first()
    )
    if previous is not None and a_year_after(previous.ends_on) > today:
        return carry_forward(previous)
    plan = _new_plan(therapist, today, a_year_after(today))
    if previous is not None:
        carry_forward(previous)
    return plan


def plan_on(therapist: User, day: datetime.date) -> CpdPlan | None:
    """The plan covering `day`, if any (a read: for a supervisor's view)."""
    return _plan_on(therapist, day)


@transaction.atomic
def set_renewal_date(plan: CpdPlan, renewal_on: datetime.date, *, by: User) -> CpdPlan:
    """The therapist gives their accreditation renewal date: the CPD year runs to it."""
    lock_therapist(plan.therapist)
    plan.refresh_from_db()
    latest_end = a_year_after(a_year_after(plan.starts_on))
    if not plan.starts_on < renewal_on <= latest_end:
        raise ValidationError(
            {
                "renewal_on": f"Give a date after {day_label(plan.starts_on)} and no later than "
                f"{day_label(latest_end)}."
            }
        )
    following = CpdPlan.objects.filter(
        therapist=plan.therapist, starts_on__gt=plan.starts_on, starts_on__lt=renewal_on
    )
    if following.exists():
        raise ValidationError({"renewal_on": "Your next CPD year starts before that date."})
    if plan.accreditation_renewal_on == renewal_on and plan.ends_on == renewal_on:
        return plan
    plan.accreditation_renewal_on = renewal_on
    plan.ends_on = renewal_on
    plan._history_user = by  # type: ignore[attr-defined]
    plan.save(update_fields=["accreditation_renewal_on", "ends_on"])
    return plan


@transaction.atomic
def carry_forward(plan: CpdPlan, *, by: User | None = None) -> CpdPlan:
    """Copy the plan's unfinished goals into the next year's plan (made if missing), each
    once: running it again copies nothing more. Returns the next plan."""
    lock_therapist(plan.therapist)
    following = (
        CpdPlan.objects.filter(therapist=plan.therapist, starts_on__gte=plan.ends_on)
        .order_by("starts_on")
        .first()
    )
    if following is None:
        renewal = a_year_after(plan.ends_on) if plan.accreditation_renewal_on else None
        following = _new_plan(
            plan.therapist, plan.ends_on, a_year_after(plan.ends_on), renewal, by=by
        )
    carried = set(
        CpdGoal.objects.filter(plan=following, carried_from__isnull=False).values_list(
            "carried_from_id", flat=True
        )
    )
    unfinished = (
        plan.goals.filter(status__in=CpdGoal.UNFINISHED)
        .exclude(pk__in=carried)
        .prefetch_related("items")
    )
    for goal in unfinished:
        copy = CpdGoal(
            plan=following,
            title=goal.title,
            description=goal.description,
            measure=goal.measure,
            target_rating=goal.target_rating,
            outcome=goal.outcome,
            # Its date was in the year just ended: the new one is the new year's end.
            target_on=following.ends_on,
            status=goal.status,
            carried_from=goal,
        )
        copy._history_user = by  # type: ignore[attr-defined]
        copy.save()
        copy.items.set(goal.items.all())
    return following


# Goals


@transaction.atomic
def add_goal(
    plan: CpdPlan,
    *,
    by: User,
    items: Iterable[FrameworkItem] = (),
    token: int | None = None,
    **fields: Any,
) -> tuple[CpdGoal, bool]:
    """Add a goal to the plan (`fields`: those of GOAL_FIELDS, and `status`). Returns the goal
    and whether it is new: with `token` (the newest goal's id when the form was built), a goal
    of the same title added since is this same form sent again, and is returned instead."""
    lock_therapist(plan.therapist)
    if token is not None:
        repeat = (
            plan.goals.filter(pk__gt=token, title=fields.get("title", "").strip())
            .order_by("pk")
            .first()
        )
        if repeat is not None:
            return repeat, False
    goal = CpdGoal(plan=plan, **fields)
    items = list(items)
    _check(goal, items)
    goal._history_user = by  # type: ignore[attr-defined]
    goal.save()
    goal.items.set(items)
    return goal, True


@transaction.atomic
def update_goal(
    goal: CpdGoal,
    *,
    by: User,
    changes: dict[str, Any],
    items: Iterable[FrameworkItem] | None = None,
) -> bool:
    """Change the fields named in `changes` (and the statements, when `items` is given),
    nothing else. Returns whether anything changed."""
    locked = CpdGoal.objects.select_for_update().select_related("plan").get(pk=goal.pk)
    unknown = set(changes) - {*GOAL_FIELDS, "status"}
    if unknown:
        raise ValueError(f"Not fields of a goal: {sorted(unknown)}")
    names = (*GOAL_FIELDS, "status")
    stored = {name: getattr(locked, name) for name in names}
    for name, value in changes.items():
        setattr(locked, name, value)
    current = list(locked.items.all())
    chosen = current if items is None else list(items)
    _check(locked, chosen)
    changed = [name for name in names if getattr(locked, name) != stored[name]]
    items_changed = {item.pk for item in chosen} != {item.pk for item in current}
    if not changed and not items_changed:
        return False
    if changed:
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save(update_fields=changed)
    if items_changed:
        locked.items.set(chosen)
    for field in CpdGoal._meta.concrete_fields:
        setattr(goal, field.attname, getattr(locked, field.attname))
    return True


# Suggestions


@transaction.atomic
def accept_suggestion(
    therapist: User,
    key: str,
    *,
    by: User,
    found: LatestNeeds | None = None,
    today: datetime.date | None = None,
) -> tuple[CpdGoal, bool]:
    """Make a goal of a need of the therapist's latest self-assessment: the statement's
    target form, a target rating one step above the current one by the end of the CPD year,
    and its suggested activity types. A goal of the plan already about that statement is
    returned instead of a second (accepting twice adds one)."""
    plan = current_plan(therapist, today=today)
    lock_therapist(therapist)
    found = found or latest_needs(therapist)
    need = next((need for need in found.needs if need.key == key), None)
    if need is None or found.version_id is None:
        raise ValidationError(NOT_SUGGESTED)
    existing = plan.goals.filter(items__key=key).order_by("pk").first()
    if existing is not None:
        return existing, False
    item = FrameworkItem.objects.get(version_id=found.version_id, key=key)
    return add_goal(plan, by=by, items=[item], **suggested_goal(need, plan))


def suggested_goal(need: Need, plan: CpdPlan) -> dict[str, Any]:
    """A goal's fields prefilled from a need (for "Accept" and "Add to my plan")."""
    activities = activity_types(need.functions)
    description = f"Suggested activities: {', '.join(activities)}." if activities else ""
    return {
        "title": need.text[:TITLE_LENGTH],
        "description": description,
        "measure": Measure.TARGET_RATING,
        "target_rating": target_rating(need.rating),
        "outcome": "",
        "target_on": plan.ends_on,
    }


@transaction.atomic
def dismiss_suggestion(
    therapist: User, key: str, *, by: User, found: LatestNeeds | None = None
) -> bool:
    """The therapist dismisses the suggestion for a need: it is not suggested again. Returns
    False when it was already dismissed."""
    lock_therapist(therapist)
    found = found or latest_needs(therapist)
    if not any(need.key == key for need in found.needs):
        raise ValidationError(NOT_SUGGESTED)
    if SuggestionDismissal.objects.filter(therapist=therapist, item_key=key).exists():
        return False
    dismissal = SuggestionDismissal(therapist=therapist, item_key=key)
    dismissal._history_user = by  # type: ignore[attr-defined]
    dismissal.save()
    return True


# Routing to supervision


def motivation_agenda_text(need: Need, submitted_at: datetime.datetime | None) -> str:
    """The agenda item for a Motivation need: what to talk through, and from which
    self-assessment (so a later self-assessment can raise it again)."""
    when = f" of {day_label(timezone.localdate(submitted_at))}" if submitted_at else ""
    return (
        f"A Motivation need from my self-assessment{when}: {need.key} {need.text} "
        "What gets in the way, and what would help?"
    )


def route_motivation_needs(
    therapist: User, *, by: User | None = None, found: LatestNeeds | None = None
) -> list[AgendaItem]:
    """Suggest each Motivation need among the top needs of the therapist's latest
    self-assessment for their supervision agenda, once per self-assessment: one already
    suggested (open, discussed or dropped) is not suggested again. Private statements only
    when the therapist shared them in that self-assessment. Returns the items suggested now."""
    found = found or latest_needs(therapist)
    routed = [
        need
        for need in found.needs[:TOP_NEEDS]
        if need.component == "M" and (found.shares_sensitive or not need.sensitive)
    ]
    if not routed:
        return []
    texts = {need.key: motivation_agenda_text(need, found.submitted_at) for need in routed}
    made = set(
        AgendaItem.objects.filter(
            supervisee=therapist, origin=AgendaItem.Origin.SUGGESTED, text__in=texts.values()
        ).values_list("text", flat=True)
    )
    missing = [need for need in routed if texts[need.key] not in made]
    if not missing:
        return []
    items = {
        item.key: item
        for item in FrameworkItem.objects.filter(
            version_id=found.version_id, key__in=[need.key for need in missing]
        )
    }
    with transaction.atomic():
        return [
            suggest_agenda_item(therapist, texts[need.key], [items[need.key]], by=by)
            for need in missing
            if need.key in items
        ]


# Helpers


def _plan_on(therapist: User, day: datetime.date) -> CpdPlan | None:
    return (
        CpdPlan.objects.filter(therapist=therapist, starts_on__lte=day, ends_on__gt=day)
        .order_by("-starts_on")
        .first()
    )


def _new_plan(
    therapist: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    renewal_on: datetime.date | None = None,
    *,
    by: User | None = None,
) -> CpdPlan:
    plan = CpdPlan(
        therapist=therapist,
        starts_on=starts_on,
        ends_on=ends_on,
        accreditation_renewal_on=renewal_on,
    )
    plan._history_user = by or therapist  # type: ignore[attr-defined]
    plan.save()
    return plan


def _check(goal: CpdGoal, items: list[FrameworkItem]) -> None:
    """The goal's own rules (fields, constraints, free text) and the plan's: a date within
    the CPD year, a statement to rate for a target rating."""
    errors: dict[str, list[str]] = {}
    if goal.measure == Measure.TARGET_RATING:
        goal.outcome = ""
        if goal.target_rating is None:
            errors["target_rating"] = ["Choose the rating you aim for, from 1 to 5."]
    elif goal.measure == Measure.OUTCOME:
        goal.target_rating = None
        goal.outcome = (goal.outcome or "").strip()
        if not goal.outcome:
            errors["outcome"] = ["Describe the outcome you aim for."]
    goal.title = (goal.title or "").strip()
    try:
        goal.full_clean(exclude=["plan", "carried_from", *errors], validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    plan = goal.plan
    if goal.target_on and not plan.starts_on <= goal.target_on <= plan.ends_on:
        errors.setdefault("target_on", []).append(
            f"Choose a date in this CPD year: {day_label(plan.starts_on)} to "
            f"{day_label(plan.ends_on)}."
        )
    if goal.measure == Measure.TARGET_RATING and not items:
        errors.setdefault("items", []).append("Choose the statement whose rating you aim to raise.")
    if errors:
        raise ValidationError(errors)


def lock_therapist(therapist: User) -> None:
    """One writer at a time for this therapist's CPD: a lock on their user row."""
    list(User.objects.select_for_update().filter(pk=therapist.pk).values_list("pk", flat=True))


def day_label(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"
