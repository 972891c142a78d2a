"""Admin pages for people, services, teams, memberships (with their dates) and supervision,
and the read-only audit trail: history pages nobody can revert, and the access record."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin

from .admin_actions import anonymise_selected
from .models import AuditEvent, Membership, Service, SupervisionRelationship, Team, User

_READING_HISTORY = "_reading_history"


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """The admin base class of every historised model (docs/audit.md).

    Its "History" page lists each create, change and delete with who made it; a past version
    opens read-only. Nothing can be reverted: the revert form is never offered and a POST to
    it is refused, whatever `SIMPLE_HISTORY_REVERT_DISABLED` says (that setting only hides
    the button)."""

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_change_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        setattr(request, _READING_HISTORY, True)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not getattr(request, _READING_HISTORY, False):
            return form

        class PastVersionForm(form):  # type: ignore[misc, valid-type]
            """A past version, shown with every field disabled."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                for field in self.fields.values():
                    field.disabled = True

        return PastVersionForm


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["service", "team"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]
    # Leavers are anonymised, not deleted (accounts/personal_data.py): deleting would take their
    # ratings out of every team's figures and their entries out of others' records.
    actions = [anonymise_selected]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Service)
class ServiceAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "name",
        "slug",
        "framework",
        "rupture_records_enabled",
        "ctsr_ratings_enabled",
    ]
    list_select_related = ["framework"]
    list_filter = ["framework", "rupture_records_enabled", "ctsr_ratings_enabled"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "reassessment_interval_months", "framework"]}),
        (
            "Supervision log features",
            {
                "fields": ["rupture_records_enabled", "ctsr_ratings_enabled"],
                "description": "Optional sections of the supervision log entry form that this "
                "service's therapists are offered. Records already made stay visible.",
            },
        ),
        (
            "Service figures",
            {
                "fields": ["small_group_min"],
                "description": "Figures about fewer people than this are never shown.",
            },
        ),
    ]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "service"]
    list_filter = ["service"]
    search_fields = ["name", "service__name"]


class InForceFilter(admin.SimpleListFilter):
    """Memberships in force today, or those that have ended or not yet started."""

    title = "in force today"
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No (ended or not started)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Membership]):
        current = Membership.objects.current().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=current)
        if self.value() == "no":
            return queryset.exclude(pk__in=current)
        return queryset


@admin.register(Membership)
class MembershipAdmin(ReadOnlyHistoryAdmin):
    list_display = ["user", "role", "service", "team", "starts_on", "ends_on"]
    list_filter = [InForceFilter, "role", "service", "team"]
    list_select_related = ["user", "service", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "service", "team"]


@admin.register(SupervisionRelationship)
class SupervisionRelationshipAdmin(ReadOnlyHistoryAdmin):
    list_display = ["supervisor", "supervisee", "starts_on", "ends_on"]
    list_filter = ["ends_on"]
    list_select_related = ["supervisor", "supervisee"]
    search_fields = ["supervisor__username", "supervisee__username", "supervisee__last_name"]
    autocomplete_fields = ["supervisor", "supervisee"]
    date_hierarchy = "starts_on"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The access record, for administrators to read: written by `accounts.audit` only."""

    list_display = ["at", "actor", "subject", "action", "detail"]
    list_filter = ["action"]
    list_select_related = ["actor", "subject"]
    search_fields = [
        "actor__username",
        "actor__last_name",
        "subject__username",
        "subject__last_name",
        "detail",
    ]
    date_hierarchy = "at"
    ordering = ["-at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
