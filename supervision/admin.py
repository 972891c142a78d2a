"""The supervision log in the admin: readable, with its history (docs/audit.md)."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin import ReadOnlyHistoryAdmin

from .models import AgreedAction, SessionComment, SupervisionSession


class AgreedActionInline(admin.TabularInline):
    model = AgreedAction
    extra = 0


class SessionCommentInline(admin.TabularInline):
    model = SessionComment
    extra = 0
    raw_id_fields = ["author"]


@admin.register(SupervisionSession)
class SupervisionSessionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["held_on", "supervisee", "format", "duration_minutes", "status"]
    list_filter = ["status", "format", "delivery"]
    search_fields = ["supervisee__last_name", "supervisee__username"]
    raw_id_fields = ["supervisee", "supervisor", "confirmed_by", "amends"]
    filter_horizontal = ["items"]
    inlines = [AgreedActionInline, SessionCommentInline]


@admin.register(AgreedAction)
class AgreedActionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["text", "due_on", "done_on"]
    raw_id_fields = ["entry"]


@admin.register(SessionComment)
class SessionCommentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["entry", "author", "created_at"]
    raw_id_fields = ["entry", "author"]
