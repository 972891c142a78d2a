"""The supervisor's navigation count: how many log entries await their review.

One COUNT query, made only for people who hold the supervisor role (the roles are read once per
request, for the rest of the navigation too).
"""

from django.http import HttpRequest

from accounts import permissions

from .queries import awaiting_review_count


def reviews_waiting(request: HttpRequest) -> dict[str, int]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not permissions.is_supervisor(user):
        return {}
    return {"nav_reviews_waiting": awaiting_review_count(user)}
