"""Compare result folders side by side, on a stated common basis: one table of every figure,
and its headline rows as Markdown and as plain text. The comparison folder (CSV, Markdown,
charts) is written by :func:`corridors.outputs.comparison.write_comparison`.

A result folder is what ``corridors run`` writes; ``summary.json`` must carry the
``format_version`` of this package (:data:`corridors.io.resultdir.FORMAT_VERSION`) and the folder must
hold ``diversity.csv`` (:func:`corridors.analysis.diversity.diversity`).

    >>> from corridors.analysis.compare import compare, markdown
    >>> table = compare(["results/baseline", "results/hormuz"])   # a DataFrame
    >>> print(markdown(table))

**Fair comparisons.** Two runs may differ in their horizon: a 26-week crisis against an
annual baseline. Every figure is therefore put on a stated basis (the ``basis`` column):

- ``window``: volumes over the **common window** of the runs (the days both horizons cover;
  an undated horizon is taken to start with the first dated one). A period partly inside the
  window counts pro rata; a one-period run is spread evenly over its period, as the model
  has it. Sums of unmet.csv, supply.csv over the periods, each weighted by the share of the
  period inside the window.
- ``per_year``: the same × 365 / window days.
- ``horizon``: each run over its own horizon, as in summary.json (costs discounted to the
  horizon's start at the scenario's ``discount_rate`` when the run has more than one period,
  like the objective; a one-period run is not discounted).
- ``start``, ``end``: a level at the start of the horizon (days of cover, from the scenario's
  stocks) or at its end (cargo at sea).

**Costs** are compared over the common window, and per year (× 365 / window days), where
each run's cost over the window is known: a run whose whole horizon is the window (its
objective, discounted like it when it has more than one period) or a one-period run (pro
rata: the model spreads a period evenly). summary.json holds a multi-period run's cost for
its whole horizon only, so one that reaches beyond the window cannot be cut to it: its cost
is then not compared. Nor are the costs of a run without an optimal solution. What remains
unlike is stated: discounting (a multi-period run's cost is discounted, a one-period run's
is not: :func:`mean_discount` says by how much) and time resolution (the model represents
the same days differently with one period and with many: stocks drawn and refilled within
the horizon, voyages spanning periods), with the run that would make the baseline
like-for-like. Where a comparison cannot be made fair, its ``delta_<run>`` is empty and
``note`` says why (and :func:`headline` prints the reason instead of a number).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.metrics import reserve_figures, voyage_figures
from corridors.core.data import OWN_TRANCHES
from corridors.core.results import Result
from corridors.errors import CorridorsError, Problem
from corridors.io.resultdir import check_format_version
from corridors.io.scenario import load_scenario
from corridors.io.schema import Scenario
from corridors.units import DAYS_PER_YEAR

KEY = ["commodity", "group", "id", "metric"]
#: Columns after the runs and their deltas: the figure's unit, its basis and why a delta is
#: missing.
TAIL = ["unit", "basis", "note"]
#: (commodity, group, id, metric) rows of the Markdown headline table, in order.
HEADLINE_GROUPS = ("supplier", "corridor", "entry_point", "chokepoint")
NICE = {"lng": "LNG", "crude_oil": "crude oil", "pipeline_gas": "pipeline gas"}
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


@dataclass
class RunFolder:
    """One result folder as read for a comparison."""

    path: Path
    name: str
    summary: dict[str, Any]
    diversity: pd.DataFrame
    data: RunData | None = None


def read_run(path: str | Path) -> RunFolder:
    """Read summary.json and diversity.csv of a result folder, and what a fair comparison
    needs (the tables and the scenario named in manifest.json); a CorridorsError if it is
    missing, not a result folder, or from an incompatible version. A scenario that cannot be
    found leaves the horizon unknown (the comparison then says so)."""
    p = Path(path)
    where = str(p)
    if not p.exists():
        raise CorridorsError(Problem(where, "", "result folder not found; check the path"))
    if not p.is_dir():
        raise CorridorsError(
            Problem(where, "", "not a folder; give a folder written by corridors run")
        )
    sfile = p / "summary.json"
    if not sfile.exists():
        raise CorridorsError(
            Problem(
                where, "", "no summary.json: not a result folder (write one with corridors run)"
            )
        )
    try:
        summary = json.loads(sfile.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CorridorsError(Problem(str(sfile), "", f"cannot read summary.json: {exc}")) from None
    check_format_version(summary, sfile)
    dfile = p / "diversity.csv"
    if not dfile.exists():
        raise CorridorsError(Problem(where, "", "diversity.csv is missing; run the scenario again"))
    try:
        div = pd.read_csv(dfile, keep_default_na=False, na_values=[""])
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CorridorsError(Problem(str(dfile), "", f"cannot read: {exc}")) from None
    missing = [c for c in [*KEY, "value"] if c not in div.columns]
    if missing:
        raise CorridorsError(Problem(str(dfile), "", f"missing columns {', '.join(missing)}"))
    div["id"] = div["id"].fillna("").astype(str)
    name = str(summary.get("scenario") or p.name)
    return RunFolder(p, name, summary, div, _folder_data(p, name, summary))


def _csv(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError):
        return None


def _scenario_of(folder: Path) -> tuple[Scenario | None, str]:
    """The scenario named in manifest.json, or None and why not."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None, "manifest.json cannot be read"
    raw = manifest.get("scenario_file") if isinstance(manifest, dict) else None
    if not raw:
        return None, "manifest.json names no scenario file"
    p = Path(raw)
    found = next(
        (c for c in ([p] if p.is_absolute() else [Path.cwd() / p, folder / p]) if c.is_file()),
        None,
    )
    if found is None:
        return None, f"its scenario file {raw} is not found"
    try:
        return load_scenario(found), ""
    except CorridorsError as exc:
        return None, f"its scenario file {found} cannot be read ({str(exc).splitlines()[0]})"


def _folder_data(folder: Path, name: str, summary: dict[str, Any]) -> RunData:
    sc, why = _scenario_of(folder)
    span = Span.from_summary(summary)
    if sc is not None:
        own = Span.of(sc)
        if span is None or (span.periods, span.period_days) == (own.periods, own.period_days):
            span = own  # the scenario adds the discount rate
    un, sup, st = (_csv(folder / f) for f in ("unmet.csv", "supply.csv", "storage.csv"))
    if span is not None and un is not None and len(un) and "period" in un.columns:
        if int(un["period"].max()) != span.periods:
            why = (
                f"unmet.csv has {int(un['period'].max())} periods, the scenario "
                f"{span.periods}: the scenario file changed since the run"
            )
            span = None
    elif span is None and not why:
        why = "the horizon is not recorded"
    metrics = summary.get("metrics") or {}
    commodities: dict[str, tuple[str, float]] = {}
    if sc is not None:
        commodities = {c: (v.unit, v.pj_per_unit) for c, v in sc.commodities.items()}
    ok = sc is not None and span is not None
    tables_ok = ok and un is not None and sup is not None
    if ok and not tables_ok:
        why = "unmet.csv or supply.csv is missing"
    assert sc is not None or not tables_ok
    return RunData(
        name=name,
        status=str(summary.get("status", "unknown")),
        span=span,
        why_unknown=why if not tables_ok else "",
        objective=float(summary["objective"]) if _is_number(summary.get("objective")) else np.nan,
        cost_breakdown={
            k: float(v) for k, v in (summary.get("cost_breakdown") or {}).items() if _is_number(v)
        },
        commodities=commodities,
        unmet=_unmet(un, sc) if tables_ok and sc is not None and un is not None else None,
        supply=_supply(sup, sc) if tables_ok and sc is not None and sup is not None else None,
        storage=st if tables_ok else None,
        initial=_initial(sc) if sc is not None else {},
        reserves=metrics.get("reserves") or {},
        voyage={
            k: metrics[k] for k in ("voyage_days", "at_sea") if isinstance(metrics.get(k), dict)
        },
    )


def run_names(runs: list[RunFolder]) -> list[str]:
    """The column name of each run: its scenario name, told apart by folder if repeated."""
    names = [r.name for r in runs]
    if len(set(names)) < len(names):  # the same scenario twice: tell them apart by folder
        names = [f"{r.name} ({r.path.name})" for r in runs]
    if len(set(names)) < len(names):
        names = [f"{n} #{i + 1}" for i, n in enumerate(names)]
    return names


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


def _row(commodity: str, group: str, metric: str, unit: str, basis: str) -> dict[str, Any]:
    return {"commodity": commodity, "group": group, "id": "", "metric": metric,
            "unit": unit, "basis": basis}  # fmt: skip


def _fair_rows(
    datas: list[RunData], window: Window | None
) -> list[tuple[dict[str, Any], list[float]]]:
    """Rows of the fair part of the table: (key and basis, one value per run)."""
    rows: list[tuple[dict[str, Any], list[float]]] = []
    spans = [d.span for d in datas]
    for metric, unit, get in (
        ("horizon_days", "days", lambda s: s.days),
        ("periods", "", lambda s: float(s.periods)),
        ("period_days", "days", lambda s: s.period_days),
        ("discount_rate", "per year", lambda s: s.discount_rate),
    ):
        vals = [float(get(s)) if s is not None and get(s) is not None else np.nan for s in spans]
        rows.append((_row("all", "basis", metric, unit, "horizon"), vals))
    rows.append(
        (
            _row("all", "basis", "window_days", "days", "window"),
            [window.days if window else np.nan] * len(datas),
        )
    )
    # costs over each horizon, over the common window and per year
    shares = [
        cost_share(d.span, window.offsets[i], window) if d.span is not None and window else None
        for i, d in enumerate(datas)
    ]
    keys = list(dict.fromkeys(k for d in datas for k in d.cost_breakdown))
    for k in ["objective", *keys]:
        vals = [d.objective if k == "objective" else d.cost_breakdown.get(k, np.nan) for d in datas]
        rows.append((_row("all", "cost", f"{k}_usd", "USD", "horizon"), vals))
        inside = [v * f if f is not None else np.nan for v, f in zip(vals, shares, strict=True)]
        rows.append((_row("all", "cost", f"{k}_usd_window", "USD", "window"), inside))
        scale = DAYS_PER_YEAR / window.days if window else np.nan
        rows.append(
            (
                _row("all", "cost", f"{k}_usd_per_year", "USD per year", "per_year"),
                [v * scale for v in inside],
            )  # fmt: skip
        )
    # volumes over the window and per year
    figs: list[dict[tuple[str, str], float]] = []
    for i, d in enumerate(datas):
        ok = window is not None and d.span is not None and d.unmet is not None
        figs.append(window_figures(d, window.offsets[i], window) if ok and window else {})
    coms = list(dict.fromkeys(c for d in datas for c in d.commodities))
    ref = datas[0]
    for c in ["all", *coms]:
        unit = "PJ" if c == "all" else ref.unit(c)
        for metric in WINDOW_METRICS:
            vals = [f.get((c, metric), np.nan) for f in figs]
            if all(not (abs(v) > EPS) for v in vals) and metric not in ("consumption", "shortfall"):
                continue
            rows.append((_row(c, "window", metric, unit, "window"), vals))
            scale = DAYS_PER_YEAR / window.days if window else np.nan
            rows.append(
                (
                    _row(c, "per_year", metric, f"{unit} per year", "per_year"),
                    [v * scale for v in vals],
                )  # fmt: skip
            )
        vals = [f.get((c, "shortfall_share"), np.nan) for f in figs]
        if any(np.isfinite(v) for v in vals):
            rows.append((_row(c, "window", "shortfall_share", "fraction", "window"), vals))
        for metric in ("lowest_stock", "end_stock"):
            vals = [f.get((c, metric), np.nan) for f in figs]
            if any(np.isfinite(v) for v in vals):
                rows.append((_row(c, "stocks", metric, unit, "window"), vals))
    vals = [f.get(("all", "replacement_premium_usd"), np.nan) for f in figs]
    if any(abs(v) > EPS for v in vals if np.isfinite(v)):
        rows.append((_row("all", "window", "replacement_premium_usd", "USD", "window"), vals))
    vals = [f.get(("all", "first_shortfall_day"), np.nan) for f in figs]
    rows.append((_row("all", "stocks", "first_shortfall_day", "day of the window", "window"), vals))
    # stocks at the start and voyages over each run's horizon
    for c in coms:
        for metric, unit in (("days_of_cover", "days"), ("days_of_consumption", "days")):
            vals = [_num((d.reserves.get(c) or {}).get(metric)) for d in datas]
            if any(np.isfinite(v) for v in vals):
                rows.append((_row(c, "stocks", metric, unit, "start"), vals))
        vals = [_num((d.voyage.get("voyage_days") or {}).get(c)) for d in datas]
        if any(np.isfinite(v) for v in vals):
            rows.append((_row(c, "voyage", "voyage_days", "days", "horizon"), vals))
        vals = [_num((d.voyage.get("at_sea") or {}).get(c)) for d in datas]
        if any(np.isfinite(v) for v in vals):
            rows.append((_row(c, "voyage", "at_sea", ref.unit(c), "end"), vals))
    return rows


def _num(v: Any) -> float:
    return float(v) if _is_number(v) else np.nan


def _summary_rows(run: RunFolder) -> list[tuple[dict[str, Any], float]]:
    """Figures read from summary.json as they are (over the run's own horizon)."""
    s = run.summary
    out: list[tuple[dict[str, Any], float]] = [
        (_row("all", "unmet", "unmet_pj", "PJ", "horizon"), _num(s.get("unmet_pj")))
    ]
    for c, u in (s.get("unmet") or {}).items():
        unit = u.get("unit", "") if isinstance(u, dict) else ""
        vol = u.get("volume") if isinstance(u, dict) else u
        out.append((_row(c, "unmet", "unmet_volume", unit, "horizon"), _num(vol)))
    response = s.get("response") or {}
    for c, v in (response.get("prices_usd_per_unit") or {}).items():
        out.append(
            (_row(c, "price", "mean_price_usd_per_unit", "USD per unit", "horizon"), _num(v))
        )
    if "replacement_premium_usd" in response:
        out.append(
            (
                _row("all", "cost", "replacement_premium_usd", "USD", "horizon"),
                _num(response["replacement_premium_usd"]),
            )  # fmt: skip
        )
    return out


# --------------------------------------------------------------------------- the table


def compare(dirs: Sequence[str | Path]) -> pd.DataFrame:
    """The comparison table: one row per figure (``commodity, group, id, metric``), one column
    per run, ``delta_<run>`` = run − first run for the others (empty where the comparison
    cannot be made fair), then ``unit``, ``basis`` and ``note`` (why a delta is empty).
    Costs (USD), volumes over the common window and per year, stocks, voyages, the figures of
    summary.json and every row of diversity.csv are included (see the module docstring)."""
    if not dirs:
        raise CorridorsError("give at least one result folder")
    runs = [read_run(d) for d in dirs]
    return tabulate(runs)


#: groups whose delta needs costs to be comparable (same horizon)
COST_GROUPS = ("cost", "price")


def tabulate(runs: list[RunFolder]) -> pd.DataFrame:
    """The comparison table of runs already read (see :func:`compare`)."""
    names = run_names(runs)
    datas = [
        r.data if r.data is not None else _folder_data(r.path, r.name, r.summary) for r in runs
    ]
    for d, n in zip(datas, names, strict=True):
        d.name = n
    window = common_window([d.span for d in datas])
    verdicts = [verdict(datas[0], d, window, i) for i, d in enumerate(datas[1:], start=1)]

    records: dict[tuple[str, str, str, str], dict[str, Any]] = {}

    def put(meta: dict[str, Any], name: str, value: float) -> None:
        key = (meta["commodity"], meta["group"], meta["id"], meta["metric"])
        rec = records.setdefault(key, {**meta})
        rec.setdefault(name, value)

    for meta, vals in _fair_rows(datas, window):
        for name, v in zip(names, vals, strict=True):
            put(meta, name, v)
    for run, name in zip(runs, names, strict=True):
        for meta, v in _summary_rows(run):
            put(meta, name, v)
        for rec in run.diversity[[*KEY, "value"]].itertuples(index=False):
            meta = {"commodity": rec.commodity, "group": rec.group, "id": rec.id,
                    "metric": rec.metric, "unit": "", "basis": "horizon"}  # fmt: skip
            put(meta, name, float(rec.value) if _is_number(rec.value) else np.nan)
    wide = pd.DataFrame(list(records.values()))
    for name in names:
        if name not in wide.columns:
            wide[name] = np.nan
    wide[names] = wide[names].astype(float)
    notes = [""] * len(wide)
    for name, ver in zip(names[1:], verdicts, strict=True):
        delta = wide[name] - wide[names[0]]
        for i, (group, basis) in enumerate(zip(wide["group"], wide["basis"], strict=True)):
            why = ""
            if group == "basis":
                why = "-"
            elif group in COST_GROUPS:
                why = (ver.horizon or ver.costs) if basis == "horizon" else ver.costs
            elif group == "unmet":
                why = ver.horizon
            elif basis in ("window", "per_year"):
                why = ver.volumes
            if why:
                delta.iloc[i] = np.nan
                if why != "-":
                    notes[i] = "; ".join(x for x in (notes[i], f"{name}: not compared: {why}") if x)
        wide[f"delta_{name}"] = delta
    wide["note"] = notes
    wide = wide[[*KEY, *names, *[f"delta_{n}" for n in names[1:]], *TAIL]]
    wide.attrs["status"] = {n: d.status for n, d in zip(names, datas, strict=True)}
    wide.attrs["basis"] = basis_notes(datas, window, verdicts)
    wide.attrs["headline"] = [
        [line.__dict__ for line in headline(datas[0], d, window, v, i)]
        for i, (d, v) in enumerate(zip(datas[1:], verdicts, strict=True), start=1)
    ]
    return wide


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


def compare_results(
    before: Result,
    after: Result,
    summaries: tuple[dict[str, Any] | None, dict[str, Any] | None] = (None, None),
) -> Pair:
    """``after`` against ``before`` (two Results, as the before/after map and the report
    have them; ``summaries``: their summary.json, when read from folders)."""
    a = RunData.from_result(before, summaries[0])
    b = RunData.from_result(after, summaries[1])
    if a.name == b.name:
        a.name, b.name = f"{a.name} (before)", f"{b.name} (after)"
    window = common_window([a.span, b.span])
    v = verdict(a, b, window)
    return Pair(a, b, window, v, headline(a, b, window, v), basis_notes([a, b], window, [v]))


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


__all__ = [
    "Line",
    "Pair",
    "RunData",
    "RunFolder",
    "Span",
    "Verdict",
    "Window",
    "basis_notes",
    "common_window",
    "compare",
    "compare_results",
    "headline",
    "headline_table",
    "markdown",
    "percent",
    "qty",
    "read_run",
    "run_names",
    "tabulate",
    "text",
    "verdict",
    "window_figures",
]
