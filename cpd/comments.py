"""The review of a CPD plan: a supervisor's comments on a supervisee's plan, on one of its goals
or on one of its activities, and the therapist's replies in the same thread. One transaction;
a comment sent twice (a double submit) is stored once."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User

from .models import CpdActivity, CpdComment, CpdGoal, CpdPlan


@transaction.atomic
def add_comment(
    plan: CpdPlan,
    *,
    by: User,
    text: str,
    goal: CpdGoal | None = None,
    activity: CpdActivity | None = None,
) -> tuple[CpdComment, bool]:
    """Comment on the plan, or on `goal` or `activity` (one of them, of this plan); a reply is
    a comment by the plan's therapist. Returns the comment and whether it is new: when the
    author's latest comment in that thread has the same text, that one is returned.

    Free text is checked by the model's validators (`full_clean`): a client identifier
    raises ValidationError on "text"."""
    if goal is not None and activity is not None:
        raise ValueError("A comment is on a goal or on an activity, not both.")
    if goal is not None and goal.plan_id != plan.pk:
        raise ValueError("The goal is not in this plan.")
    if activity is not None and activity.plan_id != plan.pk:
        raise ValueError("The activity is not in this plan.")
    text = text.strip()
    # One writer at a time for this therapist's plan (as cpd.services does).
    list(User.objects.select_for_update().filter(pk=plan.therapist_id).values_list("pk", flat=True))
    latest = (
        CpdComment.objects.filter(plan=plan, goal=goal, activity=activity, author=by)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is not None and latest.text == text:
        return latest, False
    comment = CpdComment(plan=plan, goal=goal, activity=activity, author=by, text=text)
    comment.full_clean(exclude=["plan", "goal", "activity", "author"])
    comment._history_user = by  # type: ignore[attr-defined]
    comment.save()
    return comment, True
