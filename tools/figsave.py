"""figsave.py - write one matplotlib figure to PNG and SVG files, the same
way for every tool that draws (tools/memplot, tools/benchplot): at DPI
pixels per inch, text kept as text in the SVG, directories made as needed,
and the figure closed afterwards."""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt

DPI = 100


def save_figure(fig, outputs: list[Path]) -> None:
    """Write @fig to each path of @outputs (its suffix picks the format)
    and close it."""
    plt.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG
    # The same drawing gives the same SVG bytes (make docs redraws figures):
    # fixed ids instead of random ones, and no date.
    plt.rcParams["svg.hashsalt"] = "pagewise"
    for out in outputs:
        os.makedirs(out.parent, exist_ok=True)
        fig.savefig(out, dpi=DPI, metadata={"Date": None} if out.suffix == ".svg" else None)
    plt.close(fig)


def save_figure_and_say(tool: str, fig, outputs: list[Path], what: str) -> None:
    """save_figure(), then say so on stdout: "TOOL: wrote A, B (WHAT)"."""
    save_figure(fig, outputs)
    print(f"{tool}: wrote {', '.join(map(str, outputs))} ({what})")
