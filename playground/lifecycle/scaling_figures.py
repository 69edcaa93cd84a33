"""Pictures and words for the scaling laws: the app's own sweep against compute with the
fitted law and its compute-optimal frontier; the calculators of the published fits; the
SmolLM2-135M worked example. Pure functions of playground.lifecycle.scaling's values."""
from __future__ import annotations

import numpy as np

from playground.core import plotstyle
from playground.core.i18n import t
from playground.lifecycle import scaling
from playground.lifecycle.scaling import PUBLISHED, Law, Sweep

PALETTE = ["#440154", "#3b528b", "#21918c", "#5ec962", "#b5a300", "#d95f02", "#b91c1c"]


SUFFIXES = {"en": (" T", " B", " M", " k"),          # trillion, billion, million, thousand
            "es": (" B", " mil M", " M", " mil")}    # billón (10^12), mil millones, millón, mil


def human(x: float, lang: str = "en") -> str:
    """1.35e8 -> '135 M', 2e12 -> '2 T' (Spanish: '2 B', a billón), 3.2e21 -> '3.2e21'."""
    for value, suffix in zip((1e12, 1e9, 1e6, 1e3), SUFFIXES.get(lang, SUFFIXES["en"])):
        if value <= abs(x) < value * 1e3:
            v = x / value
            return (f"{v:.3g}" if v < 100 else f"{v:.0f}") + suffix
    return f"{x:.3g}" if abs(x) < 1e3 else f"{x:.2e}".replace("e+", "e")


def sweep_figure(sweep: Sweep, law: Law, lang: str, point: tuple | None = None):
    """Loss against compute C = 6ND: one colour per model size (its runs joined), the fitted
    law along each size (dashed), and the compute-optimal frontier (black)."""
    traces = []
    sizes = list(dict.fromkeys(sweep.label))
    for k, size in enumerate(sizes):
        rows = np.array([label == size for label in sweep.label])
        N = float(sweep.N[rows][0])
        color = PALETTE[k % len(PALETTE)]
        traces.append({"type": "scatter", "mode": "markers+lines", "x": sweep.C[rows].tolist(),
                       "y": sweep.L[rows].tolist(), "name": f"N = {human(N, lang)}",
                       "marker": {"size": 10, "color": color}, "line": {"color": color, "width": 1.5},
                       "hovertemplate": "C=%{x:.2e}<br>L=%{y:.3f}<extra>N = " + human(N) + "</extra>"})
        D = np.geomspace(sweep.D.min() / 2, sweep.D.max() * 4, 40)
        traces.append({"type": "scatter", "mode": "lines", "x": (6 * N * D).tolist(),
                       "y": law.loss(N, D).tolist(), "showlegend": False, "hoverinfo": "skip",
                       "line": {"color": color, "dash": "dot", "width": 1.5}})
    C = np.geomspace(sweep.C.min() / 4, sweep.C.max() * 30, 60)
    traces.append({"type": "scatter", "mode": "lines", "x": C.tolist(),
                   "y": law.optimal_loss(C).tolist(), "name": t("scaling_frontier", lang),
                   "line": {"color": "#111111", "width": 3.5}})
    if point is not None:                       # a visitor's new run, and what the law predicted
        N, D, L = point
        traces.append({"type": "scatter", "mode": "markers", "x": [6 * N * D], "y": [float(law.loss(N, D))],
                       "name": t("scaling_point_predicted", lang),
                       "marker": {"size": 20, "symbol": "circle-open", "color": "#111",
                                  "line": {"width": 3}}})
        traces.append({"type": "scatter", "mode": "markers", "x": [6 * N * D], "y": [L],
                       "name": t("scaling_point_measured", lang),
                       "marker": {"size": 20, "symbol": "star", "color": "#e11d48",
                                  "line": {"width": 1, "color": "#111"}}})
    title = t("scaling_sweep_title", lang, E=plotstyle.fmt(law.E, 2),
              alpha=plotstyle.fmt(law.alpha, 2), beta=plotstyle.fmt(law.beta, 2))
    layout = plotstyle.base_layout(title, t("scaling_axis_compute", lang),
                                   t("scaling_axis_loss", lang), height=560)
    layout["xaxis"].update(type="log", exponentformat="power")
    layout["legend"] = {"x": 0.99, "xanchor": "right", "y": 0.99, "yanchor": "top",
                        "bgcolor": "rgba(255,255,255,0.85)"}
    return plotstyle.figure(traces, layout)


def point_markdown(point: tuple, law: Law, lang: str) -> str:
    N, D, L = point
    predicted = float(law.loss(N, D))
    return t("scaling_point_result", lang, N=human(N, lang), D=human(D, lang), L=f"{L:.3f}",
             predicted=f"{predicted:.3f}", error=f"{L - predicted:+.3f}")


def budget_markdown(C: float, lang: str) -> str:
    """The two published fits' compute-optimal model for a budget of C FLOPs."""
    lines = [t("scaling_budget_heading", lang, C=f"{C:.2e}".replace("e+", "e")),
             "", t("scaling_budget_header", lang), "|---|---|---|---|---|"]
    for name, law in PUBLISHED.items():
        b = scaling.budget(law, C)
        lines.append(f"| {t(f'scaling_fit_{name}', lang)} | {human(b['N'], lang)} | {human(b['D'], lang)} | "
                     f"{b['tokens_per_param']:.1f} | {b['loss']:.3f} |")
    return "\n".join(lines)


def smollm2_markdown(lang: str) -> str:
    s = scaling.smollm2(PUBLISHED["epoch"])
    o = s["optimal"]
    return t("scaling_smollm2", lang, C=f"{s['C']:.2e}".replace("e+", "e"),
             ratio=f"{s['tokens_per_param']:,.0f}", loss=f"{s['loss']:.3f}", N=human(o["N"], lang),
             D=human(o["D"], lang), opt_ratio=f"{o['tokens_per_param']:.0f}", opt_loss=f"{o['loss']:.3f}")
