"""The supervisor's comments in the review of a supervisee's CPD plan: on the plan, or on one of
its goals. One transaction; a comment sent twice (a double submit) is stored once."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User

from .models import CpdComment, CpdGoal, CpdPlan


@transaction.atomic
def add_comment(
    plan: CpdPlan, *, by: User, text: str, goal: CpdGoal | None = None
) -> tuple[CpdComment, bool]:
    """Comment on the plan (or on `goal`, one of its goals). Returns the comment and whether it
    is new: when the author's latest comment there has the same text, that one is returned."""
    if goal is not None and goal.plan_id != plan.pk:
        raise ValueError("The goal is not in this plan.")
    text = text.strip()
    # One writer at a time for this therapist's plan (as cpd.services does).
    list(User.objects.select_for_update().filter(pk=plan.therapist_id).values_list("pk", flat=True))
    latest = (
        CpdComment.objects.filter(plan=plan, goal=goal, activity=None, author=by)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is not None and latest.text == text:
        return latest, False
    comment = CpdComment(plan=plan, goal=goal, author=by, text=text)
    comment.full_clean(exclude=["plan", "goal", "activity", "author"])
    comment._history_user = by  # type: ignore[attr-defined]
    comment.save()
    return comment, True
