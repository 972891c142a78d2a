"""Admin pages for people, services, teams, memberships (with their dates) and supervision."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Membership, Service, SupervisionRelationship, Team, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["service", "team"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "framework"]
    list_select_related = ["framework"]
    list_filter = ["framework"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
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
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "service", "team", "starts_on", "ends_on"]
    list_filter = [InForceFilter, "role", "service", "team"]
    list_select_related = ["user", "service", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "service", "team"]


@admin.register(SupervisionRelationship)
class SupervisionRelationshipAdmin(admin.ModelAdmin):
    list_display = ["supervisor", "supervisee", "starts_on", "ends_on"]
    list_filter = ["ends_on"]
    list_select_related = ["supervisor", "supervisee"]
    search_fields = ["supervisor__username", "supervisee__username", "supervisee__last_name"]
    autocomplete_fields = ["supervisor", "supervisee"]
    date_hierarchy = "starts_on"
