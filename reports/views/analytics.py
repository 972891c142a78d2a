"""A service lead's analytics page: trends, cohort change, reliability and team figures of their
own service (others get 404), filtered by a GET form so a view can be shared by its URL.

The trend chart is an SVG drawn by matplotlib and given to an <img> as a data: URL: the page's
Content-Security-Policy allows data: images, and an SVG shown as an image keeps its own style
attributes, which the policy would block in an inline <svg>.
"""

from __future__ import annotations

import base64
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.models import Service, Team
from assessments.models import FrameworkVersion

from .. import analytics as figures_of

MAX_CYCLE = 99


class AnalyticsFilterForm(forms.Form):
    """The lead's choice of version, cycles and team; every field may be left empty."""

    version = forms.ModelChoiceField(
        queryset=FrameworkVersion.objects.none(),
        required=False,
        empty_label="Every version",
        label="Framework version",
    )
    first_cycle = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_CYCLE, label="From cycle (0 is the baseline)"
    )
    last_cycle = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_CYCLE, label="To cycle"
    )
    later_cycle = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_CYCLE,
        label="Cycle compared with the baseline",
        help_text="For the cohort change: therapists with both a baseline and this cycle.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="Whole service"
    )

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions = FrameworkVersion.objects.filter(framework=service.framework).published()
        self.fields["version"].queryset = versions.order_by("-number")  # type: ignore[attr-defined]
        self.fields["team"].queryset = service.teams.order_by("name", "pk")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first_cycle"), cleaned.get("last_cycle")
        if first is not None and last is not None and first > last:
            self.add_error("last_cycle", "The last cycle must not come before the first.")
        return cleaned

    def chosen(self) -> figures_of.AnalyticsFilter:
        data = self.cleaned_data
        return figures_of.AnalyticsFilter(
            version=data.get("version"),
            first_cycle=data.get("first_cycle"),
            last_cycle=data.get("last_cycle"),
            later_cycle=data.get("later_cycle") or 1,
            team=data.get("team"),
        )


@require_safe
@login_required
def analytics(request: HttpRequest, slug: str) -> HttpResponse:
    """The analytics of a service its lead leads; anyone else gets 404."""
    service = get_object_or_404(
        permissions.services_led_by(request.user).select_related("framework"), slug=slug
    )
    form = AnalyticsFilterForm(request.GET, service=service)
    context: dict[str, Any] = {"service": service, "form": form, "figures": None}
    if service.framework_id is not None and form.is_valid():
        figures = figures_of.service_analytics(service, form.chosen())
        context["figures"] = figures
        if figures.charted:
            context["chart_src"] = _data_url(figures_of.trend_chart_svg(figures.trends))
    return render(request, "reports/analytics.html", context)


def _data_url(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
