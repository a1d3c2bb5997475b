"""The comparison in words (:mod:`corridors.analysis.compare`): the headline figures of one
run against another (:class:`Line`, :func:`headline`, :func:`cost_line`, :class:`Pair`), the
number formats they use (:func:`qty`, :func:`percent`, :func:`usd`, ...) and the comparison
table as Markdown (:func:`markdown`) and as plain text (:func:`text`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.compare_basis import (
    EPS,
    KEY,
    TAIL,
    RunData,
    Span,
    Verdict,
    Window,
    _num,
    cost_share,
    window_figures,
)
from corridors.units import DAYS_PER_YEAR

#: (commodity, group, id, metric) rows of the Markdown headline table, in order.
HEADLINE_GROUPS = ("supplier", "corridor", "entry_point", "chokepoint")
NICE = {"lng": "LNG", "crude_oil": "crude oil", "pipeline_gas": "pipeline gas"}


# --------------------------------------------------------------------------- headline


@dataclass
class Line:
    """One headline figure of a comparison, formatted: ``before`` (the reference run),
    ``after``, ``change`` (or why it is not compared) and its ``basis``."""

    figure: str
    before: str
    after: str
    change: str
    basis: str


def qty(v: float, unit: str) -> str:
    """A quantity with its unit, rounded for reading: 111 Mt, 2.5 Mt, 0.06 Mt, 6,308 PJ."""
    if not np.isfinite(v):
        return "–"
    a = abs(v)
    if a < EPS:
        text = "0"
    elif a >= 100:
        text = f"{v:,.0f}"
    elif a >= 10:
        text = f"{v:,.1f}"
    elif a >= 0.1:
        text = f"{v:,.2f}"
    else:
        text = f"{v:.2g}"
    return f"{text} {unit}".strip()


def signed(v: float, unit: str) -> str:
    if not np.isfinite(v):
        return "–"
    if abs(v) < EPS:
        return "no change"
    return ("+" if v > 0 else "−") + qty(abs(v), unit)


def percent(v: float) -> str:
    """A share as a percentage: 15.1 %, <0.1 %, 0 %."""
    if not np.isfinite(v):
        return "–"
    if abs(v) < 1e-12:
        return "0%"
    if abs(v) < 0.001:
        return "<0.1%"
    return f"{v:.1%}"


def signed_pct(v: float) -> str:
    if not np.isfinite(v):
        return "–"
    return ("+" if v >= 0 else "−") + percent(abs(v))


def usd(v: float) -> str:
    """USD in billions (or millions below one billion)."""
    if not np.isfinite(v):
        return "–"
    if abs(v) >= 1e9:
        return f"USD {v / 1e9:,.1f} bn"
    if abs(v) >= 1e6:
        return f"USD {v / 1e6:,.1f} million"
    return f"USD {v:,.0f}"


def signed_usd(v: float) -> str:
    if not np.isfinite(v):
        return "–"
    return ("+" if v >= 0 else "−") + usd(abs(v))


def headline(
    ref: RunData, run: RunData, window: Window | None, v: Verdict, index: int = 1
) -> list[Line]:
    """The figures a planner reads first, ``run`` against ``ref``: shortfall of consumption
    and stock building given up (per commodity and in all), imports, replacement supply,
    stocks (lowest level, days of cover), voyage days and the total cost, each on its stated
    basis; a figure that cannot be compared fairly gets the reason instead of a change.
    ``ref`` is the first run of ``window`` (offset 0 in its ``offsets``), ``run`` the
    ``index``-th."""
    lines: list[Line] = []
    if v.volumes or window is None:
        why = v.volumes or "no common window"
        lines.append(Line("volumes", "", "", f"not compared: {why}", ""))
    else:
        fa = window_figures(ref, window.offsets[0], window)
        fb = window_figures(run, window.offsets[index], window)
        basis = "over the horizon" if ref.span == run.span else f"over {window.text()}"
        per = DAYS_PER_YEAR / window.days
        coms = [c for c in ref.commodities if c in run.commodities]

        def add(figure: str, metric: str, share: bool = False) -> None:
            for c in coms:
                a, b = fa.get((c, metric), 0.0), fb.get((c, metric), 0.0)
                if abs(a) < EPS and abs(b) < EPS:
                    continue
                unit = ref.unit(c)

                def show(x: float, f: dict[tuple[str, str], float], c: str = c) -> str:
                    s = qty(x, ref.unit(c))
                    sh = f.get((c, "shortfall_share"), np.nan)
                    return f"{s} ({percent(sh)} of consumption)" if share and np.isfinite(sh) else s

                change = signed(b - a, unit)
                if abs(b - a) > EPS and abs(per - 1) > 1e-6:
                    change += f" ({signed((b - a) * per, unit)}/yr)"
                lines.append(
                    Line(f"{figure}, {NICE.get(c, c)}", show(a, fa), show(b, fb), change, basis)
                )

        add("shortfall of consumption", "shortfall", share=True)
        if not any(line.figure.startswith("shortfall") for line in lines):
            lines.append(Line("shortfall of consumption", "none", "none", "no change", basis))
        add("stock building given up", "stock_building_given_up")
        a, b = fa[("all", "imports")], fb[("all", "imports")]
        lines.append(
            Line(
                "imports, all energy",
                qty(a, "PJ"),
                qty(b, "PJ"),
                f"{signed(b - a, 'PJ')} ({signed_pct((b - a) / a)})"
                if a > EPS
                else signed(b - a, "PJ"),
                basis,
            )  # fmt: skip
        )
        add("replacement supply", "replacement")
        a, b = (
            fa.get(("all", "replacement_premium_usd"), 0.0),
            fb.get(("all", "replacement_premium_usd"), 0.0),
        )
        if abs(a) > EPS or abs(b) > EPS:
            lines.append(
                Line(
                    "replacement premium (not discounted)",
                    usd(a) if abs(a) > EPS else "none",
                    usd(b) if abs(b) > EPS else "none",
                    signed_usd(b - a),
                    basis,
                )
            )
        for c in coms:
            if (c, "lowest_stock") in fa or (c, "lowest_stock") in fb:
                a, b = fa.get((c, "lowest_stock"), np.nan), fb.get((c, "lowest_stock"), np.nan)
                lines.append(
                    Line(
                        f"lowest stock, {NICE.get(c, c)}",
                        qty(a, ref.unit(c)),
                        qty(b, ref.unit(c)),
                        signed(b - a, ref.unit(c)),
                        f"{basis}; start and period ends, linear within a period",
                    )  # fmt: skip
                )
        a, b = fa[("all", "first_shortfall_day")], fb[("all", "first_shortfall_day")]
        if np.isfinite(a) or np.isfinite(b):
            lines.append(
                Line(
                    "first shortfall",
                    _day(a),
                    _day(b),
                    "",
                    "day 0 = the start of the "
                    + ("horizon" if ref.span == run.span else f"window ({window.text()})"),
                )
            )
    coms = [c for c in ref.commodities if c in run.commodities]
    for c in coms:
        a = _num((ref.reserves.get(c) or {}).get("days_of_cover"))
        b = _num((run.reserves.get(c) or {}).get("days_of_cover"))
        if np.isfinite(a) or np.isfinite(b):
            lines.append(
                Line(
                    f"days of cover, {NICE.get(c, c)}",
                    _days(a),
                    _days(b),
                    signed(b - a, "d") if np.isfinite(a) and np.isfinite(b) else "",
                    "stocks at the start / net imports per day",
                )  # fmt: skip
            )
    for c in coms:
        a = _num((ref.voyage.get("voyage_days") or {}).get(c))
        b = _num((run.voyage.get("voyage_days") or {}).get(c))
        if np.isfinite(a) and np.isfinite(b):
            lines.append(
                Line(
                    f"voyage days, {NICE.get(c, c)}",
                    f"{a:.1f} d",
                    f"{b:.1f} d",
                    signed(b - a, "d"),
                    "ship-days per unit landed, each run's horizon",
                )  # fmt: skip
            )
    lines.append(cost_line(ref, run, window, v, index))
    return lines


def _day(v: float) -> str:
    return "none" if not np.isfinite(v) else f"day {v:,.0f}"


def _days(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v:,.0f} d"


def cost_line(
    ref: RunData, run: RunData, window: Window | None, v: Verdict, index: int = 1
) -> Line:
    """The total cost line: the change over the common window and per year, or why not."""

    def own(d: RunData) -> str:
        if d.span is None or not np.isfinite(d.objective):
            return usd(d.objective)
        return f"{usd(d.objective)} over {d.span.text()}"

    if v.costs or window is None:
        return Line("total cost", own(ref), own(run), f"not compared: {v.costs}", "")
    a, b = ref.span, run.span
    assert a is not None and b is not None
    fa = cost_share(a, window.offsets[0], window)
    fb = cost_share(b, window.offsets[index], window)
    assert fa is not None and fb is not None

    def show(d: RunData, span: Span, f: float) -> str:
        text = usd(d.objective * f)
        notes = []
        if abs(f - 1.0) > 1e-9:
            notes.append("pro rata")
        if span.discounted:
            notes.append("discounted")
        return text + (f" ({', '.join(notes)})" if notes else "")

    d = run.objective * fb - ref.objective * fa
    change = signed_usd(d)
    if abs(window.days - DAYS_PER_YEAR) > 1e-6:
        change += f" ({signed_usd(d * DAYS_PER_YEAR / window.days)} per year)"
    basis = "over the horizon" if a == b else f"over {window.text()}"
    if a == b:
        basis += f"; {a.cost_basis()}"
    if v.cost_caveat:
        basis += f"; {v.cost_caveat}"
    return Line("total cost", show(ref, a, fa), show(run, b, fb), change, basis)


@dataclass
class Pair:
    """One run against a reference, on a stated basis: the headline :class:`Line` s, the
    basis in sentences, the :class:`Verdict` and the common :class:`Window`."""

    before: RunData
    after: RunData
    window: Window | None
    verdict: Verdict
    lines: list[Line]
    notes: list[str]

    def change_text(self) -> str:
        """The change in a line, for a map's title: shortfall and stock building given up
        per commodity, and the cost (or, in a few words, why it is not compared)."""
        parts = []
        for line in self.lines:
            if line.figure.startswith(("shortfall of consumption", "stock building given up")):
                parts.append(f"{line.figure} {line.change}")
        v = self.verdict
        if v.volumes:
            parts.append(f"volumes not compared ({v.volumes})")
        cost = next((ln for ln in self.lines if ln.figure == "total cost"), None)
        if v.costs:
            parts.append(f"cost not compared ({v.costs_short})")
        elif cost is not None:
            parts.append(f"cost {cost.change}")
        return " · ".join(parts)

    def basis_text(self) -> str:
        """The basis in a line, for a map: the window and how each run's cost is counted."""
        w = self.window
        if w is None:
            return ""
        runs = []
        for d, i in ((self.before, 0), (self.after, 1)):
            if d.span is None:
                continue
            how = [d.span.resolution() if d.span.periods == 1 else
                   f"{d.span.periods} periods of {d.span.period_days:g} days"]  # fmt: skip
            share = cost_share(d.span, w.offsets[i], w)
            if share is not None and abs(share - 1.0) > 1e-9:
                how.append("pro rata")
            if d.span.discounted:
                how.append(f"costs discounted at {d.span.discount_rate:.0%}/yr")
            runs.append(f"“{d.name}” " + ", ".join(how))
        same = self.before.span == self.after.span
        head = "over the horizon" if same else f"common window {w.text()}"
        caveat = (
            "; different time resolution: part of a change can come from it"
            if self.before.span is not None
            and self.after.span is not None
            and not self.before.span.same_resolution(self.after.span)
            else ""
        )
        return f"Basis: {head}; " + "; ".join(runs) + caveat


# --------------------------------------------------------------------------- text


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return ""
    v = float(v)
    if abs(v) >= 1e6:
        return f"{v:,.4g}"
    if abs(v) >= 100:
        return f"{v:,.1f}"
    return f"{v:.4f}"


def headline_table(table: pd.DataFrame) -> pd.DataFrame:
    """The rows shown in comparison.md below the headline: costs (per year), the all-energy
    volumes over the common window, HHI/Shannon by group, any-strait and chokepoint shares,
    mode shares, emissions (all commodities, in energy terms), landed cost, prices, risk."""
    t = table
    keep = (
        (t["group"] == "cost") & t["metric"].str.endswith("_per_year")
        | (t["group"] == "window") & (t["commodity"] == "all")
        | (t["commodity"] == "all")
        & t["group"].isin(HEADLINE_GROUPS)
        & (t["id"] == "")
        & t["metric"].isin(["hhi", "shannon"])
        | (t["commodity"] == "all")
        & (t["group"].isin(["chokepoint", "mode"]))
        & (t["metric"] == "share")
        | (t["commodity"] == "all") & (t["group"] == "emissions")
        | (t["group"] == "landed_cost") & (t["id"] == "")
        | (t["group"] == "price")
        | t["group"].str.startswith("risk_") & (t["commodity"] == "all")
    )
    return t[keep]


def _run_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c not in KEY and c not in TAIL]


def markdown(table: pd.DataFrame) -> str:
    """comparison.md: the basis, the headline of each run against the first, then the
    headline rows of the table (:func:`headline_table`)."""
    runs = _run_columns(table)
    names = [c for c in runs if not c.startswith("delta_")]
    status = table.attrs.get("status", {})
    title = f"# {names[1]} against {names[0]}" if len(names) == 2 else "# Scenario comparison"
    lines = [title, ""]
    if status:
        lines += ["Status: " + ", ".join(f"{n}: {s}" for n, s in status.items()), ""]
    basis = table.attrs.get("basis") or []
    if basis:
        lines += ["## Basis", "", *[f"- {b}" for b in basis], ""]
    for name, heads in zip(names[1:], table.attrs.get("headline") or [], strict=False):
        lines += [
            f"## {name} against {names[0]}",
            "",
            f"| figure | {names[0]} | {name} | change | basis |",
            "|---|---|---|---|---|",
        ]
        for h in heads:
            cells = [h["figure"], h["before"], h["after"], h["change"], h["basis"]]
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        lines.append("")
    h = headline_table(table)
    lines += [
        "## Figures",
        "",
        "Basis: `window` over the common window, `per_year` × 365 / window days, `horizon` "
        "each run over its own horizon. Shares are of imports in energy terms (PJ); HHI on "
        "[0, 1]. Definitions: `corridors/analysis/diversity.py`. An empty change: not "
        "comparable (comparison.csv `note` says why). Every figure: comparison.csv.",
        "",
        "| commodity | group | id | metric | unit | basis | " + " | ".join(runs) + " |",
        "|" + "---|" * (6 + len(runs)),
    ]
    for _, r in h.iterrows():
        vals = [_fmt(r[c]) for c in runs]
        lines.append(
            "| "
            + " | ".join([str(r[k]) for k in KEY] + [str(r["unit"]), str(r["basis"])] + vals)
            + " |"
        )
    return "\n".join(lines) + "\n"


def text(table: pd.DataFrame) -> str:
    """The comparison in plain text for a terminal: the basis, then the headline of each run
    against the first (one figure a line: before -> after, change, basis)."""
    names = [c for c in _run_columns(table) if not c.startswith("delta_")]
    out = []
    for b in table.attrs.get("basis") or []:
        out.append(b)
    for name, heads in zip(names[1:], table.attrs.get("headline") or [], strict=False):
        out.append("")
        out.append(f"{name} against {names[0]}:")
        for h in heads:
            if h["before"] or h["after"]:
                out.append(f"  {h['figure']}: {h['before']} -> {h['after']}")
                out.append(f"      {h['change']}" + (f"  [{h['basis']}]" if h["basis"] else ""))
            else:
                out.append(f"  {h['figure']}: {h['change']}")
    return "\n".join(out) + "\n"
