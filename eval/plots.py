"""PNG plots of a run (matplotlib, no pyplot state, Agg rendering).

Korean theme names are drawn only when a CJK font is installed; otherwise the plots use the theme
ids (T1…T9, NONE), which the report's tables name, so no glyph is ever missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure

CJK_FONT_HINTS = ("nanum", "noto sans cjk", "noto serif cjk", "malgun", "applegothic", "undotum", "baekmuk")


def korean_font() -> str | None:
    """The family name of an installed font that has Hangul, if any."""
    for font in sorted(font_manager.fontManager.ttflist, key=lambda f: f.name):
        if any(hint in font.name.lower() for hint in CJK_FONT_HINTS):
            return str(font.name)
    return None


def _labels(groups: Sequence[str], names: dict[str, str], font: str | None) -> list[str]:
    if font is None:
        return list(groups)
    return [f"{g} {names[g]}" if g in names else g for g in groups]


def _figure(size: tuple[float, float]) -> Figure:
    return Figure(figsize=size, dpi=110, layout="constrained")


def theme_accuracy_plot(details: dict[str, Any], path: Path, font: str | None) -> None:
    groups = [g["group"] for g in details["per_theme"]]
    acc = [100 * g["accuracy"] for g in details["per_theme"]]
    counts = [g["n"] for g in details["per_theme"]]
    fig = _figure((8, 4))
    ax = fig.add_subplot()
    bars = ax.bar(_labels(groups, details["theme_names"], font), acc, color="#3b6ea5")
    for bar, n in zip(bars, counts, strict=True):
        ax.annotate(f"n={n}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom")
    ax.set_ylim(0, 105)
    ax.set_ylabel("top-1 accuracy (%)")
    ax.set_title("Product accuracy by gold theme")
    ax.tick_params(axis="x", rotation=30 if font else 0)
    fig.savefig(path)


def theme_confusion_plot(details: dict[str, Any], path: Path, font: str | None) -> None:
    groups = details["theme_confusion"]["groups"]
    counts = np.array(details["theme_confusion"]["counts"], dtype=np.float64)
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    labels = _labels(groups, details["theme_names"], font)
    fig = _figure((7.5, 6.5))
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(groups)), labels, rotation=45 if font else 0, ha="right" if font else "center")
    ax.set_yticks(range(len(groups)), labels)
    for i in range(len(groups)):
        for j in range(len(groups)):
            if counts[i, j]:
                colour = "white" if share[i, j] > 0.5 else "black"
                ax.text(j, i, str(int(counts[i, j])), ha="center", va="center", color=colour, fontsize=8)
    ax.set_xlabel("predicted theme")
    ax.set_ylabel("gold theme")
    ax.set_title("Theme confusion (row share; counts)")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.savefig(path)


def reliability_plot(details: dict[str, Any], path: Path) -> None:
    bins = [b for b in details["reliability"] if b["count"]]
    fig = _figure((5.5, 5))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(
        [b["mean_confidence"] for b in bins],
        [b["accuracy"] for b in bins],
        marker="o",
        color="#c0392b",
        label=f"product (ECE {details['ece']:.3f})",
    )
    for b in bins:
        ax.annotate(
            str(b["count"]),
            (b["mean_confidence"], b["accuracy"]),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("top-1 confidence")
    ax.set_ylabel("observed accuracy")
    ax.set_title("Reliability of top-1 confidence")
    ax.legend(loc="upper left")
    fig.savefig(path)


def latency_plot(end_to_end_ms: Sequence[float], path: Path) -> None:
    """Histogram up to the 99th percentile (a few cold-start outliers would squash it)."""
    values = np.asarray(end_to_end_ms, dtype=np.float64)
    fig = _figure((6.5, 4))
    ax = fig.add_subplot()
    if len(values):
        p99 = float(np.percentile(values, 99))
        ax.hist(values[values <= p99], bins=40, color="#27ae60")
        for q, style in ((50, "-"), (95, "--")):
            v = float(np.percentile(values, q))
            ax.axvline(v, color="black", linestyle=style, label=f"p{q} {v:.0f} ms")
        ax.plot(
            [], [], " ", label=f"{int((values > p99).sum())} slower (max {values.max():.0f} ms) not drawn"
        )
        ax.legend()
    ax.set_xlabel("end-to-end classify time (ms)")
    ax.set_ylabel("records")
    ax.set_title("Product latency per record")
    fig.savefig(path)


def write_plots(summary: dict[str, Any], end_to_end_ms: Sequence[float], out_dir: Path) -> list[Path]:
    """All plots of the run into `out_dir`; returns their paths."""
    font = korean_font()
    details = summary["product_details"]
    paths: dict[str, Callable[[Path], None]] = {
        "theme_accuracy.png": lambda p: theme_accuracy_plot(details, p, font),
        "theme_confusion.png": lambda p: theme_confusion_plot(details, p, font),
        "reliability.png": lambda p: reliability_plot(details, p),
        "latency.png": lambda p: latency_plot(end_to_end_ms, p),
    }
    out = []
    with matplotlib.rc_context({"font.family": [font, "DejaVu Sans"]} if font else None):
        for name, draw in paths.items():
            draw(out_dir / name)
            out.append(out_dir / name)
    return out
