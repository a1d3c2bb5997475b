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

The basis (horizons, the common window, figures over it, refusal reasons) is in
:mod:`corridors.analysis.compare_basis`, the comparison in words (headline lines, Markdown,
plain text) in :mod:`corridors.analysis.compare_text`; their names are importable from here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.compare_basis import EPS as EPS
from corridors.analysis.compare_basis import KEY as KEY
from corridors.analysis.compare_basis import TAIL as TAIL
from corridors.analysis.compare_basis import WINDOW_METRICS as WINDOW_METRICS
from corridors.analysis.compare_basis import RunData as RunData
from corridors.analysis.compare_basis import Span as Span
from corridors.analysis.compare_basis import Verdict as Verdict
from corridors.analysis.compare_basis import Window as Window
from corridors.analysis.compare_basis import _initial, _is_number, _num, _supply, _unmet
from corridors.analysis.compare_basis import basis_notes as basis_notes
from corridors.analysis.compare_basis import common_window as common_window
from corridors.analysis.compare_basis import cost_share as cost_share
from corridors.analysis.compare_basis import mean_discount as mean_discount
from corridors.analysis.compare_basis import period_weights as period_weights
from corridors.analysis.compare_basis import verdict as verdict
from corridors.analysis.compare_basis import window_figures as window_figures
from corridors.analysis.compare_text import HEADLINE_GROUPS as HEADLINE_GROUPS
from corridors.analysis.compare_text import NICE as NICE
from corridors.analysis.compare_text import Line as Line
from corridors.analysis.compare_text import Pair as Pair
from corridors.analysis.compare_text import cost_line as cost_line
from corridors.analysis.compare_text import headline as headline
from corridors.analysis.compare_text import headline_table as headline_table
from corridors.analysis.compare_text import markdown as markdown
from corridors.analysis.compare_text import percent as percent
from corridors.analysis.compare_text import qty as qty
from corridors.analysis.compare_text import signed as signed
from corridors.analysis.compare_text import signed_pct as signed_pct
from corridors.analysis.compare_text import signed_usd as signed_usd
from corridors.analysis.compare_text import text as text
from corridors.analysis.compare_text import usd as usd
from corridors.core.results import Result
from corridors.errors import CorridorsError, Problem
from corridors.io.resultdir import check_format_version
from corridors.io.scenario import load_scenario
from corridors.io.schema import Scenario
from corridors.units import DAYS_PER_YEAR

# --------------------------------------------------------------------------- one run


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


# --------------------------------------------------------------------------- the table rows


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
