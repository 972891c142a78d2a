"""Admin pages to browse frameworks and edit drafts; published versions are view-only."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from . import services
from .models import (
    ComBComponent,
    ComBSubComponent,
    Framework,
    FrameworkItem,
    FrameworkSection,
    FrameworkVersion,
    InterventionFunction,
    InvolvementLevel,
    TdfDomain,
)


def _version_of(obj) -> FrameworkVersion | None:
    if obj is None:
        return None
    return obj if isinstance(obj, FrameworkVersion) else obj.version


class DraftOnlyMixin(admin.options.BaseModelAdmin):
    """Content of a published version can be looked at, never changed or deleted."""

    def has_change_permission(self, request, obj=None):
        version = _version_of(obj)
        if version is not None and version.pk and version.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        version = _version_of(obj)
        if version is not None and version.pk and version.is_published:
            return False
        return super().has_delete_permission(request, obj)


class ReadOnlyInlineWhenPublished(DraftOnlyMixin, admin.options.InlineModelAdmin):
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_add_permission(request, obj)


class VersionFilter(admin.SimpleListFilter):
    """Filter by version, naming each with one query however many versions there are."""

    title = "version"
    parameter_name = "version"

    def lookups(self, request, model_admin):
        return [(v.pk, str(v)) for v in FrameworkVersion.objects.select_related("framework")]

    def queryset(self, request, queryset):
        return queryset.filter(version_id=self.value()) if self.value() else queryset


class TargetFilter(admin.SimpleListFilter):
    """Items with or without a target form (an empty target means it is still to be written)."""

    title = "target form"
    parameter_name = "target"

    def lookups(self, request, model_admin):
        return [("missing", "Missing"), ("written", "Written")]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(target_text="")
        if self.value() == "written":
            return queryset.exclude(target_text="")
        return queryset


class VersionInline(admin.TabularInline):
    model = FrameworkVersion
    fields = ["number", "status", "published_at", "notes"]
    readonly_fields = ["number", "status", "published_at", "notes"]
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VersionInline]
    actions = ["open_draft"]

    @admin.action(description="Open a new draft (copied from the newest published version)")
    def open_draft(self, request: HttpRequest, queryset: QuerySet[Framework]) -> None:
        for framework in queryset:
            draft = services.create_draft(framework)
            self.message_user(request, f"{draft} is open for editing.", messages.SUCCESS)


class SectionInline(ReadOnlyInlineWhenPublished, admin.TabularInline):
    model = FrameworkSection
    fields = ["order", "key", "kind", "title", "component"]


class InvolvementLevelInline(ReadOnlyInlineWhenPublished, admin.TabularInline):
    model = InvolvementLevel
    fields = ["level", "name", "description", "examples"]


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ["framework", "number", "status", "published_at"]
    list_filter = ["framework", "status"]
    fields = ["framework", "number", "status", "notes", "published_at", "items_link"]
    readonly_fields = ["status", "published_at", "items_link"]
    inlines = [SectionInline, InvolvementLevelInline]
    actions = ["publish_drafts"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "framework", "number"]
        return self.readonly_fields

    @admin.display(description="Items")
    def items_link(self, version: FrameworkVersion) -> str:
        if version.pk is None:
            return "Save the version first."
        url = reverse("admin:assessments_frameworkitem_changelist")
        verb = "View" if version.is_published else "Edit"
        return format_html(
            '<a href="{}?version={}">{} the {} items of this version</a>',
            url,
            version.pk,
            verb,
            version.items.count(),
        )

    @admin.action(description="Publish the selected drafts (they become immutable)")
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet[FrameworkVersion]) -> None:
        for version in queryset.filter(status=FrameworkVersion.Status.DRAFT):
            try:
                services.publish(version)
            except ValidationError as exc:
                self.message_user(request, f"{version}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Published {version}.", messages.SUCCESS)


@admin.register(FrameworkSection)
class FrameworkSectionAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "key", "kind", "version", "order"]
    list_filter = ["version__framework", VersionFilter, "kind"]
    list_select_related = ["version__framework"]


@admin.register(FrameworkItem)
class FrameworkItemAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ["key", "target_text", "section", "primary_subcomponent", "version"]
    list_filter = [
        "version__framework",
        VersionFilter,
        "section__kind",
        TargetFilter,
        "primary_subcomponent",
        "is_sensitive",
    ]
    list_select_related = ["section", "primary_subcomponent", "version__framework"]
    search_fields = ["key", "problem_text", "target_text"]
    filter_horizontal = ["tdf_domains", "intervention_functions"]
    fieldsets = [
        (None, {"fields": ["version", "section", "key", "order"]}),
        ("Text", {"fields": ["problem_text", "target_text", "is_sensitive"]}),
        (
            "Coding",
            {
                "fields": [
                    "primary_subcomponent",
                    "secondary_subcomponent",
                    "tdf_domains",
                    "intervention_functions",
                ]
            },
        ),
        ("Provenance", {"fields": ["source", "repairs"]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in {"version", "section"}:
            drafts = {"status": FrameworkVersion.Status.DRAFT}
            model = db_field.related_model
            kwargs["queryset"] = (
                model.objects.filter(**drafts)
                if model is FrameworkVersion
                else model.objects.filter(version__status=FrameworkVersion.Status.DRAFT)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReferenceAdmin(admin.ModelAdmin):
    """Published behavioural-science taxonomies: look, don't touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(ComBComponent, ReferenceAdmin)
admin.site.register(ComBSubComponent, ReferenceAdmin)
admin.site.register(TdfDomain, ReferenceAdmin)
admin.site.register(InterventionFunction, ReferenceAdmin)
