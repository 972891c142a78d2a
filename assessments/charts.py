"""Profile chart: mean rating per domain, drawn server-side as SVG with matplotlib.

Uses the object-oriented API (Figure, not pyplot), so no global state is shared between
requests or threads.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from .profile import DomainRow

NHS_BLUE = "#005eb8"
GREY = "#425563"


def profile_chart_svg(rows: list[DomainRow]) -> bytes:
    """Horizontal bars of the latest means (1 to 5), with the previous cycle as markers."""
    labels = [row.score.label for row in rows]
    means = [row.score.mean or 1 for row in rows]
    positions = list(range(len(rows)))[::-1]
    figure = Figure(figsize=(7, 0.42 * len(rows) + 1.6))
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
        (position, row.since_previous.before)
        for position, row in zip(positions, rows, strict=True)
        if row.since_previous and row.since_previous.before is not None
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
