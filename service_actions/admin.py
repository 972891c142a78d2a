"""The service action list and involvement ratings in the admin: readable, with their history
(docs/audit.md)."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin import ReadOnlyHistoryAdmin

from .models import InvolvementRating, ServiceAction


@admin.register(ServiceAction)
class ServiceActionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "service", "origin", "status", "owner", "due_on"]
    list_filter = ["status", "origin", "service"]
    search_fields = ["title", "owner"]
    raw_id_fields = ["service", "suggested_by", "created_by"]
    filter_horizontal = ["items"]
    readonly_fields = ["token", "created_at", "updated_at"]


@admin.register(InvolvementRating)
class InvolvementRatingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["service", "rated_on", "level", "level_name"]
    list_filter = ["level", "service"]
    raw_id_fields = ["service", "rated_by"]
    readonly_fields = ["token", "created_at"]
