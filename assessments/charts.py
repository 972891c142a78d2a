"""Profile chart: need (0 to 100, what priority needs rank by) per domain in each of the last
few cycles, drawn server-side as SVG with matplotlib.

The profile page computes the profile once and keeps the chart's figures (its `Trend`) in the
cache, keyed by the profile's basis (latest assessment, private answers or not); the chart
request, which the browser makes next, draws from them and caches the SVG, and computes the
profile itself only when both are gone. Uses the object-oriented API (Figure, not pyplot), so no
global state is shared between requests or threads.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable

from django.core.cache import cache
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from .profile import ProfileBasis, TherapistProfile, Trend

NHS_BLUE = "#005eb8"
# Older cycles in greys, lightest the oldest, so the latest stands out in NHS blue.
CYCLE_COLOURS = ["#aeb7bd", "#768692", "#425563", NHS_BLUE]
# Readable where the chart is shown: 576 px and wider (static/css/profile.css hides it below).
FONT_SIZE = 13
CACHE_SECONDS = 24 * 60 * 60


def keep_chart_bars(profile: TherapistProfile) -> None:
    """Cache the figures of a profile just computed, for the chart request its page makes next."""
    if profile.basis is not None:
        cache.set(_bars_key(profile.basis), profile.trend(), CACHE_SECONDS)


def cached_chart_svg(basis: ProfileBasis, compute: Callable[[], TherapistProfile]) -> bytes:
    """The chart of the profile on this basis: the cached SVG, else drawn from the bars its page
    kept, else from the profile computed afresh by `compute` (cached under its own basis)."""
    svg = cache.get(_svg_key(basis))
    if svg is not None:
        return svg
    bars = cache.get(_bars_key(basis))
    if bars is None:
        profile = compute()
        basis, bars = profile.basis or basis, profile.trend()
    svg = profile_chart_svg(bars)
    cache.set(_svg_key(basis), svg, CACHE_SECONDS)
    return svg


def _svg_key(basis: ProfileBasis) -> str:
    return f"profile-chart-need:{basis.latest_pk}:{basis.includes_sensitive}"


def _bars_key(basis: ProfileBasis) -> str:
    return f"profile-chart-trend:{basis.latest_pk}:{basis.includes_sensitive}"


def profile_chart_svg(trend: Trend) -> bytes:
    """Horizontal bars of need (0 to 100) per domain, one bar per cycle, the latest last; a
    domain not scored in a cycle has no bar there (the trend table says "not scored")."""
    series = len(trend.cycles)
    height = 0.8 / max(series, 1)
    positions = [float(n) for n in range(len(trend.rows))][::-1]
    figure = Figure(
        figsize=(6, (0.3 + 0.25 * series) * len(trend.rows) + 1.8), layout="constrained"
    )
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    colours = CYCLE_COLOURS[-series:] if series else []
    for n, (label, colour) in enumerate(zip(trend.cycles, colours, strict=True)):
        offset = (series - 1 - n) * height - 0.4 + height / 2
        drawn = [
            (position + offset, need)
            for position, row in zip(positions, trend.rows, strict=True)
            if (need := row.needs[n]) is not None
        ]
        axes.barh(
            [y for y, _ in drawn],
            [need for _, need in drawn],
            height=height * 0.9,
            color=colour,
            label=label,
        )
    axes.set_yticks(positions, [textwrap.fill(row.label, 20) for row in trend.rows])
    axes.tick_params(labelsize=FONT_SIZE)
    axes.set_xlim(0, 100)
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.set_xlabel("Need (0 at the target, 100 furthest from it)", fontsize=FONT_SIZE)
    figure.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=FONT_SIZE)
    axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
