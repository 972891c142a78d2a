from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

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
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "service"]
    list_filter = ["service"]
    search_fields = ["name", "service__name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "service", "team"]
    list_filter = ["role", "service", "team"]
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
