"""The heatmap as a picture to download (PNG or SVG): the same cells as the page, each coloured
and numbered, hidden cells hatched and marked "<k".

Drawn with matplotlib's object API (a `Figure` with its own canvas, never pyplot), so requests
share no global state. Colours are the page's (static/css/heatmap.css): change both together.
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from .forms import cycle_label
from .heatmap import BIN_WIDTH, BINS, MEASURES, Cell, Heatmap

# Bin 1 (lowest) to 5, with a text colour readable on each (contrast at least 4.5:1).
BIN_COLOURS = ["#fff3c4", "#fdd38a", "#f9a35b", "#c4451c", "#7a1a0c"]
TEXT_COLOURS = ["#212529", "#212529", "#212529", "#ffffff", "#ffffff"]
HIDDEN_COLOUR = "#e8edee"
EMPTY_COLOUR = "#ffffff"
GRID_COLOUR = "#768692"
FONT_SIZE = 9
LABEL_WIDTH = 48  # characters of a statement shown beside its row


def heatmap_png(heatmap: Heatmap | None, service_name: str) -> bytes:
    """The heatmap as a PNG; None (nothing to show yet) draws the page's empty state."""
    figure = _draw(heatmap, service_name) if heatmap else _draw_nothing(service_name)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def heatmap_svg(heatmap: Heatmap | None, service_name: str) -> bytes:
    """The heatmap as an SVG; None (nothing to show yet) draws the page's empty state."""
    figure = _draw(heatmap, service_name) if heatmap else _draw_nothing(service_name)
    FigureCanvasSVG(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _draw(heatmap: Heatmap, service_name: str) -> Figure:
    rows = heatmap.rows
    columns = [team.name for team in heatmap.columns] + ["Service total"]
    height = 0.3 * max(len(rows), 1) + 2.6
    figure = Figure(figsize=(5.5 + 1.0 * len(columns), height), layout="constrained")
    axes = figure.add_subplot()
    for y, row in enumerate(rows):
        for x, cell in enumerate([*row.cells, row.total]):
            _draw_cell(axes, x, y, cell, heatmap.k)
    axes.set_xlim(0, len(columns))
    axes.set_ylim(max(len(rows), 1), 0)
    axes.set_xticks(
        [x + 0.5 for x in range(len(columns))],
        [textwrap.fill(name, 14) for name in columns],
        fontsize=FONT_SIZE,
    )
    axes.xaxis.tick_top()
    axes.set_yticks(
        [y + 0.5 for y in range(len(rows))],
        [textwrap.shorten(f"{row.key} {row.text}".strip(), LABEL_WIDTH) for row in rows],
        fontsize=FONT_SIZE,
    )
    axes.tick_params(length=0)
    for side in axes.spines.values():
        side.set_visible(False)
    figure.suptitle(_title(heatmap, service_name), fontsize=FONT_SIZE + 2)
    figure.legend(
        handles=_legend(heatmap.k),
        loc="outside lower center",
        ncols=4,
        frameon=False,
        fontsize=FONT_SIZE,
    )
    return figure


def _title(heatmap: Heatmap, service_name: str) -> str:
    filters = heatmap.filters
    version = f"{service_name}: {filters.version.framework.name} version {filters.version.number}"
    if filters.period is None:
        return f"{version}, {cycle_label(filters.cycle).lower()}\n{MEASURES[filters.measure]}"
    return (
        f"{version}, each therapist's latest self-assessment submitted between "
        f"{filters.period.label}\nMean need of each domain (0 at the target, 100 furthest from it)"
    )


def _draw_nothing(service_name: str) -> Figure:
    figure = Figure(figsize=(6, 1.5), layout="constrained")
    figure.text(
        0.5,
        0.5,
        f"{service_name}: no figures to show yet",
        ha="center",
        va="center",
        fontsize=FONT_SIZE + 2,
    )
    return figure


def _draw_cell(axes: Axes, x: int, y: int, cell: Cell, k: int) -> None:
    if cell.hidden:
        face, text, colour, hatch = HIDDEN_COLOUR, f"<{k}", "#212529", "///"
    elif cell.bin is None or cell.value is None:
        face, text, colour, hatch = EMPTY_COLOUR, "-", "#425563", None
    else:
        face, colour, hatch = BIN_COLOURS[cell.bin - 1], TEXT_COLOURS[cell.bin - 1], None
        text = f"{cell.value:.0f}"
    axes.add_patch(
        Rectangle((x, y), 1, 1, facecolor=face, edgecolor=GRID_COLOUR, hatch=hatch, linewidth=0.5)
    )
    axes.text(x + 0.5, y + 0.5, text, ha="center", va="center", color=colour, fontsize=FONT_SIZE)


def _legend(k: int) -> list[Patch]:
    bins = [
        Patch(
            facecolor=colour,
            edgecolor=GRID_COLOUR,
            label=f"{n * BIN_WIDTH:.0f} to {(n + 1) * BIN_WIDTH:.0f}",
        )
        for n, colour in enumerate(BIN_COLOURS[:BINS])
    ]
    hidden = Patch(
        facecolor=HIDDEN_COLOUR,
        edgecolor=GRID_COLOUR,
        hatch="///",
        label=f"<{k}: fewer than {k} people, or hidden so a smaller group cannot be worked out",
    )
    empty = Patch(facecolor=EMPTY_COLOUR, edgecolor=GRID_COLOUR, label="-: nobody rated it")
    return [*bins, hidden, empty]
