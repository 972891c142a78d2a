"""The admin's "Anonymise selected leavers" action on the user list, with a confirmation page.

Anonymising (accounts.personal_data.anonymise) replaces a leaver's names, email and free text
by a pseudonym and cannot be undone, so the action first lists who would be anonymised and
what it does; nobody can anonymise themselves, and people already anonymised are skipped.
"""

from __future__ import annotations

from typing import cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from . import personal_data
from .models import User


@admin.action(description="Anonymise selected leavers", permissions=["change"])
def anonymise_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> TemplateResponse | None:
    """Confirm, then anonymise the selected people other than the administrator themselves."""
    me = cast(User, request.user)  # the admin lets only signed-in staff in
    if queryset.filter(pk=me.pk).exists():
        modeladmin.message_user(
            request, "You cannot anonymise your own account: it was left out.", messages.WARNING
        )
    people = list(queryset.exclude(pk=me.pk).exclude(pk__in=personal_data.anonymised_people()))
    if not people:
        modeladmin.message_user(request, "Nobody left to anonymise.", messages.INFO)
        return None
    if request.POST.get("post") == "yes":
        done = sum(personal_data.anonymise(person, by=me) for person in people)
        modeladmin.message_user(
            request, f"Anonymised {done} {'person' if done == 1 else 'people'}.", messages.SUCCESS
        )
        return None
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Anonymise leavers",
        "opts": opts,
        "people": people,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/accounts/anonymise_confirmation.html", context)
