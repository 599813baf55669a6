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
    for out in outputs:
        os.makedirs(out.parent, exist_ok=True)
        fig.savefig(out, dpi=DPI)
    plt.close(fig)
