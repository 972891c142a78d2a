"""Admin pages to browse frameworks, import framework files and edit drafts; published versions
are view-only. Each framework page has a read-only "History" (accounts.admin.ReadOnlyHistoryAdmin)
naming who imported, edited, opened a draft or published."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import FileExtensionValidator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from accounts.admin import ReadOnlyHistoryAdmin
from accounts.permissions import AuthenticatedRequest

from . import framework_io, services
from .meaning import MeaningChanged
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


class FrameworkUploadForm(forms.Form):
    """A framework file and the options of `manage.py import_framework`."""

    file = forms.FileField(
        label="Framework file",
        validators=[FileExtensionValidator(["yaml", "yml", "csv"])],
        help_text=f"YAML (.yaml, .yml) or CSV (.csv), at most {framework_io.MAX_FILE_SIZE_TEXT}, "
        "in the format of docs/framework-format.md.",
    )
    slug = forms.CharField(
        required=False, max_length=60, help_text="CSV only (required): the framework's slug."
    )
    name = forms.CharField(
        required=False, max_length=200, help_text="CSV only: the framework's name."
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea, help_text="CSV only: its description."
    )
    rename = forms.BooleanField(
        required=False,
        label="Rename",
        help_text="Let the file change an existing framework's name or description.",
    )
    publish = forms.BooleanField(
        required=False, help_text="Publish the new version instead of leaving it a draft."
    )
    allow_meaning_changes = forms.BooleanField(
        required=False,
        label="Allow meaning changes",
        help_text="With publish: publish even if an existing key's problem or target text "
        "changed beyond a typo-level edit.",
    )

    def clean(self) -> dict:
        file = self.cleaned_data.get("file")
        if file and file.name.lower().endswith(".csv") and not self.cleaned_data.get("slug"):
            self.add_error("slug", "A CSV file needs the framework's slug.")
        return self.cleaned_data

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields in the groups the upload page shows them in."""
        groups = {
            "": ["file"],
            "CSV files": ["slug", "name", "description"],
            "Options": ["rename", "publish", "allow_meaning_changes"],
        }
        return [(title, [self[name] for name in names]) for title, names in groups.items()]


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VersionInline]
    actions = ["open_draft"]

    def get_urls(self):
        upload = path(
            "import/",
            self.admin_site.admin_view(self.import_view),
            name="assessments_framework_import",
        )
        return [upload, *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a framework file: the same checks and messages as `manage.py
        import_framework`; nothing is written unless the whole file is clean."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        posted = request.method == "POST"
        form = FrameworkUploadForm(request.POST, request.FILES) if posted else FrameworkUploadForm()
        errors: list[str] = []
        if posted and form.is_valid():
            options = {name: value for name, value in form.cleaned_data.items() if name != "file"}
            try:
                version = framework_io.import_file(form.cleaned_data["file"], **options)
            except framework_io.FrameworkFileError as exc:
                errors = exc.errors
            else:
                self.message_user(
                    request,
                    f"Imported {version} with {version.items.count()} items.",
                    messages.SUCCESS,
                )
                url = reverse("admin:assessments_frameworkversion_change", args=[version.pk])
                return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a framework file",
            "opts": self.opts,
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/assessments/framework/import.html", context)

    @admin.action(description="Open a new draft (copied from the newest published version)")
    def open_draft(self, request: AuthenticatedRequest, queryset: QuerySet[Framework]) -> None:
        for framework in queryset:
            draft = services.create_draft(framework, user=request.user)
            self.message_user(request, f"{draft} is open for editing.", messages.SUCCESS)


class SectionInline(ReadOnlyInlineWhenPublished, admin.TabularInline):
    model = FrameworkSection
    fields = ["order", "key", "kind", "title", "component"]


class InvolvementLevelInline(ReadOnlyInlineWhenPublished, admin.TabularInline):
    model = InvolvementLevel
    fields = ["level", "name", "description", "examples"]


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(DraftOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = ["framework", "number", "status", "published_at"]
    list_filter = ["framework", "status"]
    fields = [
        "framework",
        "number",
        "status",
        "notes",
        "published_at",
        "items_link",
        "publication_problems",
    ]
    readonly_fields = ["status", "published_at", "items_link", "publication_problems"]
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

    @admin.display(description="Before publishing")
    def publication_problems(self, version: FrameworkVersion) -> str:
        if version.pk is None:
            return "Save the version first."
        if version.is_published:
            return "Published."
        problems = services.publication_problems(version)
        if not problems:
            return "Nothing: the draft can be published."
        listed = format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((p,) for p in problems))
        )
        missing = version.items.filter(target_text="").count()
        if not missing:
            return listed
        url = reverse("admin:assessments_frameworkitem_changelist")
        return format_html(
            '{}<a href="{}?version={}&amp;target=missing">Show the items without a target form '
            "({})</a>",
            listed,
            url,
            version.pk,
            missing,
        )

    @admin.action(description="Publish the selected drafts (they become immutable)")
    def publish_drafts(
        self, request: AuthenticatedRequest, queryset: QuerySet[FrameworkVersion]
    ) -> HttpResponse | None:
        """Publish each draft; drafts that change what a published key means are listed on a
        confirmation page, and published only when that page is posted back confirming exactly
        the changes it listed (`MeaningChanged.fingerprint`), not edits made since."""
        refusals: list[tuple[FrameworkVersion, MeaningChanged]] = []
        for version in queryset.filter(status=FrameworkVersion.Status.DRAFT):
            try:
                try:
                    services.publish(version, user=request.user)
                except MeaningChanged as exc:
                    if request.POST.get(f"confirm_{version.pk}") != exc.fingerprint:
                        raise
                    services.publish(version, allow_meaning_changes=True, user=request.user)
            except MeaningChanged as exc:
                refusals.append((version, exc))
            except ValidationError as exc:
                self.message_user(request, f"{version}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Published {version}.", messages.SUCCESS)
        if not refusals:
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Publish drafts that change what statements mean?",
            "opts": self.opts,
            "refusals": refusals,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/assessments/frameworkversion/publish_confirmation.html", context
        )


@admin.register(FrameworkSection)
class FrameworkSectionAdmin(DraftOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = ["title", "key", "kind", "version", "order"]
    list_filter = ["version__framework", VersionFilter, "kind"]
    list_select_related = ["version__framework"]


@admin.register(FrameworkItem)
class FrameworkItemAdmin(DraftOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = ["key", "target_text", "section", "primary_subcomponent", "version"]
    list_filter = [
        "version__framework",
        VersionFilter,
        "section__kind",
        TargetFilter,
        "primary_subcomponent",
        "is_sensitive",
        "in_session",
    ]
    list_select_related = ["section", "primary_subcomponent", "version__framework"]
    search_fields = ["key", "problem_text", "target_text"]
    filter_horizontal = ["tdf_domains", "intervention_functions"]
    fieldsets = [
        (None, {"fields": ["version", "section", "key", "order"]}),
        ("Text", {"fields": ["problem_text", "target_text", "is_sensitive", "in_session"]}),
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
