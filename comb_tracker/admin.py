"""The administration site: Django's, with a check on the selection its actions receive.

Django's admin filters the changelist by the raw `_selected_action` values, so a hand-made post
with a selection that is not a row id (a word, or a number past 64 bits) ends in a server error,
whichever model and action it names. Every model id here is a whole number, so the site refuses
any other selection before an action runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect

from accounts.validators import is_row_id

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class AdminSite(admin.AdminSite):
    site_header = "COM-B Tracker administration"
    site_title = "COM-B Tracker admin"

    def admin_view(self, view: View, cacheable: bool = False) -> View:
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            selection = (
                request.POST.getlist(ACTION_CHECKBOX_NAME) if request.method == "POST" else []
            )
            if not all(is_row_id(value) for value in selection):
                messages.warning(
                    request, "That selection is not a list of rows: nothing was changed."
                )
                return HttpResponseRedirect(request.get_full_path())
            return inner(request, *args, **kwargs)

        return checked  # type: ignore[return-value]
