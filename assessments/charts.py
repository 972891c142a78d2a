"""Profile chart: mean rating per domain, drawn server-side as SVG with matplotlib.

The profile page computes the profile once and keeps the chart's few bars in the cache, keyed by
the profile's basis (latest assessment, private answers or not); the chart request, which the
browser makes next, draws from them and caches the SVG, and computes the profile itself only when
both are gone. Uses the object-oriented API (Figure, not pyplot), so no global state is shared
between requests or threads.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from .profile import DomainRow, ProfileBasis, TherapistProfile

NHS_BLUE = "#005eb8"
GREY = "#425563"
CACHE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class ChartBar:
    """One domain of the chart: its latest mean, and the previous cycle's if there was one."""

    label: str
    mean: float | None
    previous: float | None


def chart_bars(rows: list[DomainRow]) -> list[ChartBar]:
    return [
        ChartBar(
            label=row.score.label,
            mean=row.score.mean,
            previous=row.since_previous.before if row.since_previous else None,
        )
        for row in rows
    ]


def keep_chart_bars(profile: TherapistProfile) -> None:
    """Cache the bars of a profile just computed, for the chart request its page makes next."""
    if profile.basis is not None:
        cache.set(_bars_key(profile.basis), chart_bars(profile.rows), CACHE_SECONDS)


def cached_chart_svg(basis: ProfileBasis, compute: Callable[[], TherapistProfile]) -> bytes:
    """The chart of the profile on this basis: the cached SVG, else drawn from the bars its page
    kept, else from the profile computed afresh by `compute` (cached under its own basis)."""
    svg = cache.get(_svg_key(basis))
    if svg is not None:
        return svg
    bars = cache.get(_bars_key(basis))
    if bars is None:
        profile = compute()
        basis, bars = profile.basis or basis, chart_bars(profile.rows)
    svg = profile_chart_svg(bars)
    cache.set(_svg_key(basis), svg, CACHE_SECONDS)
    return svg


def _svg_key(basis: ProfileBasis) -> str:
    return f"profile-chart:{basis.latest_pk}:{basis.includes_sensitive}"


def _bars_key(basis: ProfileBasis) -> str:
    return f"profile-chart-bars:{basis.latest_pk}:{basis.includes_sensitive}"


def profile_chart_svg(bars: list[ChartBar]) -> bytes:
    """Horizontal bars of the latest means (1 to 5), with the previous cycle as markers."""
    labels = [bar.label for bar in bars]
    means = [bar.mean or 1 for bar in bars]
    positions = list(range(len(bars)))[::-1]
    figure = Figure(figsize=(7, 0.42 * len(bars) + 1.6))
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    axes.barh(
        positions,
        [m - 1 for m in means],
        left=1,
        color=NHS_BLUE,
        height=0.6,
        label="This assessment",
    )
    earlier = [
        (position, bar.previous)
        for position, bar in zip(positions, bars, strict=True)
        if bar.previous is not None
    ]
    if earlier:
        axes.scatter(
            [mean for _, mean in earlier],
            [position for position, _ in earlier],
            marker="|",
            s=300,
            color=GREY,
            linewidths=3,
            label="Previous assessment",
            zorder=3,
        )
    axes.set_yticks(positions, labels)
    axes.set_xlim(1, 5)
    axes.set_xticks([1, 2, 3, 4, 5], ["1 Strongly\ndisagree", "2", "3", "4", "5 Strongly\nagree"])
    axes.set_xlabel("Mean rating (higher is closer to the target)")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
