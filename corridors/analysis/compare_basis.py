"""The basis of a comparison (:mod:`corridors.analysis.compare`): each run's horizon
(:class:`Span`) and what is read of it (:class:`RunData`), the common window of the runs
(:class:`Window`, :func:`common_window`), the share of each period and of each run's cost
inside it, the figures over the window (:func:`window_figures`; per year: × 365 / window
days), what may be compared and why not (:class:`Verdict`, :func:`verdict`) and the basis in
sentences (:func:`basis_notes`). See :mod:`corridors.analysis.compare` for the rules."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.metrics import reserve_figures, voyage_figures
from corridors.core.data import OWN_TRANCHES
from corridors.core.results import Result
from corridors.io.schema import Scenario
from corridors.units import DAYS_PER_YEAR

KEY = ["commodity", "group", "id", "metric"]
#: Columns after the runs and their deltas: the figure's unit, its basis and why a delta is
#: missing.
TAIL = ["unit", "basis", "note"]
EPS = 1e-6


# --------------------------------------------------------------------------- one run


@dataclass(frozen=True)
class Span:
    """A run's horizon as a comparison needs it."""

    periods: int
    period_days: float
    start: dt.date | None
    discount_rate: float | None  # None: not known (summary.json without the scenario)

    @property
    def days(self) -> float:
        return self.periods * self.period_days

    @property
    def discounted(self) -> bool:
        """Costs of later periods discounted (more than one period, a positive rate)."""
        return self.periods > 1 and (self.discount_rate is None or self.discount_rate > 0)

    def same_resolution(self, other: Span) -> bool:
        return math.isclose(self.period_days, other.period_days) and (
            (self.periods == 1) == (other.periods == 1)
        )

    def text(self) -> str:
        """ "one 365-day period, undated", "26 periods of 7 days from 2023-01-01 (182 days)"."""
        when = f"from {self.start.isoformat()}" if self.start else "undated"
        if self.periods == 1:
            return f"one {self.period_days:g}-day period, {when}"
        return f"{self.periods} periods of {self.period_days:g} days {when} ({self.days:g} days)"

    def resolution(self) -> str:
        return (
            f"one {self.period_days:g}-day period"
            if self.periods == 1
            else f"{self.period_days:g}-day periods"
        )

    def cost_basis(self) -> str:
        """How the run's costs are counted."""
        if not self.discounted:
            return "not discounted (one period)"
        rate = (
            "the scenario's rate" if self.discount_rate is None else f"{self.discount_rate:.0%}/yr"
        )
        to = self.start.isoformat() if self.start else "the start of the horizon"
        return f"discounted at {rate} to {to}, like the objective"

    @classmethod
    def of(cls, scenario: Scenario) -> Span:
        h = scenario.horizon
        return cls(h.periods, float(h.period_days), h.start, float(scenario.discount_rate))

    @classmethod
    def from_summary(cls, summary: dict[str, Any]) -> Span | None:
        """summary.json ``horizon`` (written by newer versions), None when absent."""
        h = summary.get("horizon")
        if not isinstance(h, dict):
            return None
        try:
            pd_ = h.get("period_days")
            raw = pd_["value"] if isinstance(pd_, dict) else pd_
            if raw is None:
                return None
            days = float(raw)
            start = h.get("start")
            rate = h.get("discount_rate")
            return cls(
                int(h["periods"]),
                days,
                dt.date.fromisoformat(start) if start else None,
                float(rate) if rate is not None else None,
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class RunData:
    """What a fair comparison reads of one run: its horizon, costs and the per-period tables
    (unmet demand with its purpose, supply with import and replacement flags, stocks)."""

    name: str
    status: str
    span: Span | None
    why_unknown: str  # why span (or the tables) are missing; "" when known
    objective: float
    cost_breakdown: dict[str, float]
    commodities: dict[str, tuple[str, float]]  # commodity -> (unit, PJ per unit)
    unmet: pd.DataFrame | None  # node, commodity, period, unmet, demand, restraint, building
    supply: pd.DataFrame | None  # commodity, period, supplied, imported, replacement, premium
    storage: pd.DataFrame | None  # node, commodity, period, level
    initial: dict[str, float] = field(default_factory=dict)  # stock at the start, per commodity
    reserves: dict[str, Any] = field(default_factory=dict)  # summary metrics.reserves
    voyage: dict[str, dict[str, float]] = field(default_factory=dict)  # voyage_days, at_sea

    def unit(self, commodity: str) -> str:
        return self.commodities.get(commodity, ("PJ", 1.0))[0]

    def pj(self, commodity: str) -> float:
        return self.commodities.get(commodity, ("PJ", 1.0))[1]

    @classmethod
    def from_result(cls, result: Result, summary: dict[str, Any] | None = None) -> RunData:
        """From a solved (or reloaded) :class:`Result`; ``summary`` (summary.json) gives the
        reserve and voyage figures, else they are computed."""
        sc = result.scenario
        ok = result.has_solution
        metrics = (summary or {}).get("metrics") or {}
        reserves = metrics.get("reserves")
        if reserves is None and ok:
            reserves = reserve_figures(result)
        voyage = {k: metrics[k] for k in ("voyage_days", "at_sea") if k in metrics}
        if not voyage and ok:
            voyage = voyage_figures(result)
        return cls(
            name=sc.name,
            status=result.status.value,
            span=Span.of(sc),
            why_unknown="" if ok else f"no solution (solver status {result.status.value})",
            objective=float(result.objective),
            cost_breakdown={k: float(v) for k, v in result.cost_breakdown.items() if _is_number(v)},
            commodities={c: (v.unit, v.pj_per_unit) for c, v in sc.commodities.items()},
            unmet=_unmet(result.unmet, sc) if ok else None,
            supply=_supply(result.supply, sc) if ok else None,
            storage=result.storage if ok else None,
            initial=_initial(sc),
            reserves=reserves or {},
            voyage=voyage,
        )


def _initial(sc: Scenario) -> dict[str, float]:
    out: dict[str, float] = {}
    for j in sc.storage:
        out[j.commodity] = out.get(j.commodity, 0.0) + float(j.initial)
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _unmet(un: pd.DataFrame, sc: Scenario) -> pd.DataFrame:
    keys = {(d.node, d.commodity) for d in sc.demand if d.purpose == "stock_building"}
    out = un.copy()
    if "restraint" not in out.columns:
        out["restraint"] = 0.0
    out["building"] = [(n, c) in keys for n, c in zip(out["node"], out["commodity"], strict=True)]
    return out


def _supply(sup: pd.DataFrame, sc: Scenario) -> pd.DataFrame:
    out = sup.copy()
    if "country" in out.columns and sc.importer is not None:
        out["imported"] = out["country"].astype(str) != sc.importer
    else:
        out["imported"] = True
    tranche = out["tranche"] if "tranche" in out.columns else pd.Series("base", index=out.index)
    out["replacement"] = ~tranche.isin(OWN_TRANCHES)
    if "price" in out.columns:
        base = out[tranche == "base"].groupby(["node", "commodity"])["price"].first()
        bp = np.array(
            [base.get((n, c), np.nan) for n, c in zip(out["node"], out["commodity"], strict=True)],
            dtype=float,
        )
        out["premium"] = np.where(
            out["replacement"], (out["price"].to_numpy(dtype=float) - bp) * out["supplied"], 0.0
        )
    else:
        out["premium"] = np.nan
    return out


# --------------------------------------------------------------------------- the basis


@dataclass(frozen=True)
class Window:
    """The common window: ``days`` days from day ``start`` (day 0 = the anchor, the start of
    the first dated run, or of every run when none is dated); each run starts on day
    ``offsets[i]``."""

    start: float
    days: float
    offsets: tuple[float, ...]
    anchor: dt.date | None

    def text(self) -> str:
        if self.anchor is not None:
            a = self.anchor + dt.timedelta(days=self.start)
            last = a + dt.timedelta(days=max(0.0, self.days - 1))  # the window's last day
            return f"{a.isoformat()} to {last.isoformat()} ({self.days:g} days)"
        return f"days {self.start:g} to {self.start + self.days:g} ({self.days:g} days)"


def common_window(spans: list[Span | None]) -> Window | None:
    """The days every horizon covers; None when a horizon is unknown or they do not overlap."""
    if not spans or any(s is None for s in spans):
        return None
    known = [s for s in spans if s is not None]
    anchor = next((s.start for s in known if s.start is not None), None)
    offsets = tuple(
        float((s.start - anchor).days) if s.start is not None and anchor is not None else 0.0
        for s in known
    )
    start = max(offsets)
    end = min(o + s.days for o, s in zip(offsets, known, strict=True))
    if end - start <= 1e-9:
        return None
    return Window(start, end - start, offsets, anchor)


def period_weights(span: Span, offset: float, window: Window) -> pd.Series:
    """Share of each period (1..T) inside the window."""
    t = np.arange(1, span.periods + 1)
    a = offset + (t - 1) * span.period_days
    b = a + span.period_days
    inside = np.clip(
        np.minimum(b, window.start + window.days) - np.maximum(a, window.start), 0, None
    )
    return pd.Series(inside / span.period_days, index=t)


@dataclass
class Verdict:
    """What may be compared between the reference run (the first) and another."""

    costs: str = ""  # why costs are not compared; "" when they are
    volumes: str = ""  # why volumes are not compared; "" when they are
    horizon: str = ""  # why totals over each run's own horizon are not set side by side
    cost_caveat: str = ""  # what remains unlike in comparable costs (discounting)
    caveats: list[str] = field(default_factory=list)
    costs_short: str = ""  # ``costs`` in a few words (for a map's title line)

    def no_costs(self, why: str, short: str) -> None:
        """Refuse the cost comparison (the first reason stands)."""
        if not self.costs:
            self.costs, self.costs_short = why, short


def cost_share(span: Span, offset: float, window: Window) -> float | None:
    """The share of a run's cost that falls in the window: 1 when its whole horizon is the
    window, the pro rata share of a one-period run (the model spreads a period evenly), None
    when a multi-period run reaches beyond the window (summary.json holds its cost for the
    whole horizon only, which cannot be cut)."""
    if span.periods == 1:
        return window.days / span.period_days
    tol = 1e-6
    if offset >= window.start - tol and offset + span.days <= window.start + window.days + tol:
        return 1.0
    return None


def mean_discount(span: Span) -> float:
    """The time-weighted mean discount factor of a horizon, Σ_t d_t δ_t / Σ_t d_t with
    δ_t = (1 + r)^−(start of period t in years): the factor by which discounting lowers a cost
    spread evenly over the horizon (1 for a one-period run)."""
    if not span.discounted or span.discount_rate is None:
        return 1.0
    d = span.period_days / DAYS_PER_YEAR
    starts = np.arange(span.periods) * d
    return float(np.mean((1.0 + span.discount_rate) ** (-starts)))


def verdict(ref: RunData, run: RunData, window: Window | None, index: int = 1) -> Verdict:
    """Can ``run`` (the ``index``-th run of ``window``) be compared with ``ref`` (the first):
    volumes need a common window, costs also a cost of each run over it
    (:func:`cost_share`) and optimal solutions; caveats name what remains unlike."""
    v = Verdict()
    for r in (ref, run):
        if r.span is None or r.unmet is None:
            what = "horizon unknown" if r.span is None else "figures unknown"
            v.volumes = v.volumes or f"{r.name}: {what} ({r.why_unknown})"
        if r.status != "optimal":
            why = f"{r.name} has no optimal solution (solver status {r.status})"
            v.no_costs(why, f"{r.name} not optimal")
            v.caveats.append(f"{why}: its figures are not an optimum")
    a, b = ref.span, run.span
    if a is None or b is None:
        v.no_costs(v.volumes, "horizon unknown")
        v.horizon = v.volumes
        return v
    if a != b:
        v.horizon = (
            f"different horizons ({ref.name}: {a.text()}; {run.name}: {b.text()}); see the "
            "figures over the common window"
        )
    if v.volumes:
        v.no_costs(v.volumes, "figures unknown")
        return v
    if window is None:
        v.volumes = f"the horizons do not overlap ({ref.name}: {a.text()}; {run.name}: {b.text()})"
        v.no_costs(v.volumes, "horizons do not overlap")
        return v
    for r, span, off in ((ref, a, window.offsets[0]), (run, b, window.offsets[index])):
        if cost_share(span, off, window) is None:
            v.no_costs(
                f"{r.name}'s cost covers {span.text()} and summary.json holds it for the whole "
                f"horizon only, which cannot be cut to the common window ({window.text()}); "
                "run both on the same horizon to compare costs",
                f"{r.name}'s cost covers more than the common window",
            )
    if a.discounted and b.discounted and a.discount_rate != b.discount_rate:
        v.no_costs(
            f"the runs are discounted at different rates ({ref.name}: {a.discount_rate}, "
            f"{run.name}: {b.discount_rate})",
            "discounted at different rates",
        )
    if not a.same_resolution(b):
        v.caveats.append(
            f"{ref.name} and {run.name} differ in time resolution ({a.resolution()} against "
            f"{b.resolution()}): the model represents the same days differently at the two "
            "(stocks drawn and refilled within the horizon, voyages spanning periods), so part "
            "of a difference can come from the resolution, not from the disruption; for a "
            f"like-for-like baseline run {ref.name} on {run.name}'s horizon ({_horizon_yaml(b)})"
        )
    if not v.costs:
        da, db = mean_discount(a), mean_discount(b)
        if abs(da - db) > 1e-9:
            lo, hi = (run, ref) if db < da else (ref, run)
            v.cost_caveat = (
                f"{lo.name}'s cost is discounted, {hi.name}'s "
                + ("is not" if max(da, db) >= 1.0 - 1e-12 else "less")
                + f": discounting alone lowers {lo.name}'s by about "
                f"{(1 - min(da, db) / max(da, db)):.1%}"
            )
    if (a.start is None) != (b.start is None):
        undated, dated = (ref, run) if a.start is None else (run, ref)
        when = a.start or b.start
        assert when is not None
        v.caveats.append(
            f"{undated.name} is undated: taken to start on {when.isoformat()}, with {dated.name}"
        )
    return v


def _horizon_yaml(s: Span) -> str:
    start = f", start: {s.start.isoformat()}" if s.start else ""
    return f"horizon: {{periods: {s.periods}, period_days: {s.period_days:g}{start}}}"


# --------------------------------------------------------------------------- figures


#: window figures: metric -> meaning (the ``all`` row in PJ, commodity rows in units)
WINDOW_METRICS = {
    "consumption": "consumption demanded",
    "shortfall": "shortfall of consumption (unmet consumption = restraint + shortage)",
    "restraint": "consumption restrained (at the restraint cost)",
    "shortage": "consumption short beyond restraint",
    "stock_building": "stock building demanded",
    "stock_building_given_up": "stock building given up (not a shortage)",
    "imports": "imports supplied (domestic production not counted)",
    "replacement": "replacement supply: bought in tranches above the suppliers' own steps",
}


def window_figures(run: RunData, offset: float, window: Window) -> dict[tuple[str, str], float]:
    """(commodity or ``all``, metric) -> the figure over the window (units; PJ for ``all``):
    :data:`WINDOW_METRICS`, ``replacement_premium_usd`` (plain sum, not discounted),
    ``shortfall_share`` (of consumption), ``lowest_stock`` and ``end_stock`` (units; the
    stock path from the start through the period ends, linear within a period), and
    ``first_shortfall_day`` (day of the window, ``nan`` without one)."""
    assert run.span is not None and run.unmet is not None and run.supply is not None
    w = period_weights(run.span, offset, window)
    out: dict[tuple[str, str], float] = {}
    un = run.unmet.assign(w=run.unmet["period"].map(w).fillna(0.0))
    cons, build = un[~un["building"]], un[un["building"]]
    sup = run.supply.assign(w=run.supply["period"].map(w).fillna(0.0))
    coms = list(run.commodities) or sorted(set(un["commodity"]) | set(sup["commodity"]))

    def total(df: pd.DataFrame, col: str) -> pd.Series:
        return (df[col] * df["w"]).groupby(df["commodity"]).sum()

    parts = {
        "consumption": total(cons, "demand"),
        "shortfall": total(cons, "unmet"),
        "restraint": total(cons, "restraint"),
        "stock_building": total(build, "demand"),
        "stock_building_given_up": total(build, "unmet"),
        "imports": total(sup[sup["imported"]], "supplied"),
        "replacement": total(sup[sup["replacement"]], "supplied"),
    }
    parts["shortage"] = parts["shortfall"].sub(parts["restraint"], fill_value=0.0)
    for metric, series in parts.items():
        all_pj = 0.0
        for c in coms:
            v = float(series.get(c, 0.0))
            out[(c, metric)] = v
            all_pj += v * run.pj(c)
        out[("all", metric)] = all_pj
    for c in [*coms, "all"]:
        base = out[(c, "consumption")]
        out[(c, "shortfall_share")] = out[(c, "shortfall")] / base if base > EPS else np.nan
    out[("all", "replacement_premium_usd")] = float((sup["premium"] * sup["w"]).sum())
    by_period = (cons["unmet"]).groupby(cons["period"]).sum()
    short = [int(t) for t, v in by_period.items() if v > EPS and w.get(int(t), 0.0) > 0]
    if short:
        t0 = min(short)
        day = offset + (t0 - 1) * run.span.period_days - window.start
        out[("all", "first_shortfall_day")] = max(0.0, day)
    else:
        out[("all", "first_shortfall_day")] = np.nan
    st = run.storage
    if st is not None and len(st) and "level" in st.columns:
        levels = st.groupby(["commodity", "period"])["level"].sum()
        a, b = window.start, window.start + window.days
        for c in coms:
            if c not in levels.index.get_level_values(0):
                continue
            lv = levels.loc[c].reindex(range(1, run.span.periods + 1)).to_numpy(dtype=float)
            days = offset + np.arange(run.span.periods + 1) * run.span.period_days
            path = np.concatenate([[run.initial.get(c, lv[0])], lv])
            inside = (days > a) & (days < b)
            ends = np.interp([a, b], days, path)  # the path is taken as linear within a period
            out[(c, "lowest_stock")] = float(min(ends.min(), path[inside].min(initial=np.inf)))
            out[(c, "end_stock")] = float(ends[1])
    return out


def _num(v: Any) -> float:
    return float(v) if _is_number(v) else np.nan


def basis_notes(datas: list[RunData], window: Window | None, verdicts: list[Verdict]) -> list[str]:
    """The basis of a comparison in sentences: each run's horizon and cost basis, the window,
    what is not compared and why, caveats."""
    out = []
    for d in datas:
        if d.span is None:
            out.append(f"{d.name}: horizon unknown ({d.why_unknown}).")
        else:
            out.append(f"{d.name}: {d.span.text()}; costs {d.span.cost_basis()}.")
    if window is not None and len(datas) > 1:
        spans = [d.span for d in datas]
        if all(s == spans[0] for s in spans):
            per = (
                "a year"
                if math.isclose(window.days, DAYS_PER_YEAR)
                else f"per year: × 365 / {window.days:g}"
            )
            out.append(f"Same horizon: costs and volumes over the whole horizon ({per}).")
        else:
            one = [d.name for d in datas if d.span is not None and d.span.periods == 1]
            pro = (
                f" ({', '.join(one)}: one period, counted pro rata: the model spreads it evenly"
                " over its period)"
                if one
                else ""
            )
            out.append(
                f"Volumes over the common window {window.text()}{pro}, and per year "
                f"(× 365 / {window.days:g})."
            )
    seen: set[str] = set()
    for d, v in zip(datas[1:], verdicts, strict=True):
        if v.volumes:
            out.append(f"{d.name}: volumes not compared: {v.volumes}.")
        elif v.costs:
            out.append(f"{d.name}: costs not compared: {v.costs}.")
        for c in v.caveats:
            if c not in seen:
                seen.add(c)
                out.append(f"Caveat: {c}.")
    return out
