"""The barrier heatmap of a service, for its leads only (anyone else gets 404): the page, and the
same figures as a PNG or SVG download with the same filters in the query string."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from accounts import permissions
from accounts.models import Service
from comb_tracker.documents import as_attachment

from .. import charts
from .. import heatmap as heatmaps
from ..forms import FilterChoice, choose_filters


@require_safe
@login_required
def heatmap(request: HttpRequest, slug: str) -> HttpResponse:
    service = _led_service(request, slug)
    choice = choose_filters(service, request.GET)
    figures = _figures(service, choice)
    return render(
        request,
        "reports/heatmap.html",
        {
            "service": service,
            "form": choice.form,
            "heatmap": figures,
            "k": permissions.small_group_minimum(service),
            "bins": _legend_bins(),
        },
    )


@require_safe
@login_required
def heatmap_png(request: HttpRequest, slug: str) -> HttpResponse:
    return _download(request, slug, charts.heatmap_png, "image/png", "png")


@require_safe
@login_required
def heatmap_svg(request: HttpRequest, slug: str) -> HttpResponse:
    return _download(request, slug, charts.heatmap_svg, "image/svg+xml", "svg")


def _download(
    request: HttpRequest,
    slug: str,
    draw: Callable[[heatmaps.Heatmap | None, str], bytes],
    content_type: str,
    extension: str,
) -> HttpResponse:
    """The picture of the heatmap the same query string shows on the page (its defaults where
    a filter is refused, its empty state when there is nothing to show)."""
    service = _led_service(request, slug)
    figures = _figures(service, choose_filters(service, request.GET))
    response = HttpResponse(draw(figures, service.name), content_type=content_type)
    name = f"{service.slug}-heatmap"
    if figures is not None:
        filters = figures.filters
        name += f"-v{filters.version.number}-" + (
            f"cycle-{filters.cycle}" if filters.period is None else filters.period.slug
        )
    return as_attachment(response, f"{name}.{extension}")


def _led_service(request: HttpRequest, slug: str) -> Service:
    return get_object_or_404(
        permissions.services_led_by(request.user).select_related("framework"), slug=slug
    )


def _figures(service: Service, choice: FilterChoice) -> heatmaps.Heatmap | None:
    if choice.filters is None:
        return None
    return heatmaps.build(service, choice.filters, choice.columns)


def _legend_bins() -> list[tuple[int, int, int]]:
    """(bin, from, to) of each colour of the legend."""
    width = int(heatmaps.BIN_WIDTH)
    return [(n, (n - 1) * width, n * width) for n in range(1, heatmaps.BINS + 1)]
