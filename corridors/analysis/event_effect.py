"""How much flow each disruption event actually removed, next to the capacity it removed.

An event keeps ``capacity_factor`` of its target's capacity, but capacity is not flow: an
element running below its capacity loses less flow than capacity, or none (a pipeline at
40 % of its capacity cut to half loses nothing). :func:`event_effects` gives, for every
event of a run, per commodity of what the target carries, over the periods of the event's
window (those in which it keeps less than all of its capacity), in the commodity's unit:

- ``capacity``: the target's capacity in the undisrupted run (bypass shares and seasons
  applied), None when part of it is unlimited (an open sea lane);
- ``capacity_removed``: what the event alone takes from it, Σ_t cap_t · (1 − a_t) with a_t
  the event's own factor in period t (None when an unlimited part is cut);
- ``base_flow``: the flow on the target in the undisrupted run: the same scenario without
  its events, solved on the same model (:func:`undisrupted`);
- ``disrupted_flow``: the flow on the target in the run;
- ``flow_removed`` = ``base_flow`` − ``disrupted_flow``: negative when more flows through the
  target in the disrupted run (rerouted onto what is left of it).

The flow "on the target" is, for a link or corridor, the flow on its arcs (both directions
of a bidirectional link); for a node, what enters its balance (the flow on the arcs into it,
the supply at it and the stock withdrawn at it: a strait's traffic, a port's landings, a
supplier's exports); for a supplier country, its supply. A list of targets counts each arc,
supply and stock once. ``*_pj`` sum the commodities in PJ; a node with a throughput limit
(a chokepoint, in PJ per year) also gets ``node_capacity_removed_pj``.

Several events on one element share its flow: the flow removed is the difference between the
two runs, the joint effect of all the run's events on the element; the capacity removed is
the event's own. Events with a ``probability`` are Monte Carlo candidates, not applied to a
run, and are left out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from corridors.core.availability import Availability, TargetResolver, availability
from corridors.core.results import Result
from corridors.core.session import Source, prepare, solve_model
from corridors.io.schema import Scenario
from corridors.units import period_years

#: A factor below 1 − this is an event's cut (1 − 1e-12 is numerical noise).
_CUT = 1e-12


def undisrupted(source: Source | Result) -> Result:
    """The run of a scenario without its disruption events: the same model (bypass shares,
    seasons, stocks) re-solved under the availability without events. ``source`` is a
    scenario, its path, a prepared model or a result (its scenario on its network)."""
    if isinstance(source, Result):
        prep = prepare(source.scenario, network=source.network)
    else:
        prep = prepare(source)
    quiet = prep.scenario.with_updates(disruptions=())
    return solve_model(prep, availability(quiet, prep.network, prep.resolver))


def _table(
    df: pd.DataFrame, keys: list[str], value: str, index: list[Any], periods: int
) -> np.ndarray:
    """``value`` of a result table summed into an (element, period) array, element ``i``
    being the rows whose ``keys`` equal ``index[i]`` (a NaN, an unlimited capacity, stays)."""
    out = np.zeros((len(index), periods))
    if df.empty or not index:
        return out
    where = {k if isinstance(k, tuple) else (k,): i for i, k in enumerate(index)}
    rows = np.array([where.get(k, -1) for k in zip(*(df[c] for c in keys), strict=True)])
    cols = df["period"].to_numpy(dtype=int) - 1
    ok = rows >= 0
    np.add.at(out, (rows[ok], cols[ok]), df[value].to_numpy(dtype=float)[ok])
    return out


class _Tables:
    """A run's flows, supplies and withdrawals as arrays whose rows are the arcs, supply
    entries and storage entries of ``scenario`` on ``network`` (the disrupted run's: the
    undisrupted run's network may list its links in another order)."""

    def __init__(self, result: Result, scenario: Scenario, arcs: list[str]):
        s = scenario
        T = s.horizon.periods
        supply_keys = [(x.node, x.commodity) for x in s.supply]
        storage_keys = [(j.node, j.commodity) for j in s.storage]
        self.flow = np.nan_to_num(_table(result.flows, ["link"], "flow", arcs, T))
        self.capacity = _table(result.flows, ["link"], "capacity", arcs, T)
        sup = result.supply
        self.supply = np.nan_to_num(_table(sup, ["node", "commodity"], "supplied", supply_keys, T))
        self.available = np.nan_to_num(
            _table(sup, ["node", "commodity"], "available", supply_keys, T)
        )
        st = result.storage
        self.withdrawal = np.nan_to_num(
            _table(st, ["node", "commodity"], "withdrawal", storage_keys, T)
        )


def _measured(
    scenario: Scenario, resolver: TargetResolver, names: tuple[str, ...], links: pd.DataFrame
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Rows measured for the targets ``names``: arcs, supply entries, storage entries and
    nodes (see the module docstring)."""
    arcs: set[int] = set()
    supplies: set[int] = set()
    stocks: set[int] = set()
    nodes: set[int] = set()
    ends = links["to"].to_numpy()
    for name in names:
        tg = resolver.resolve(name)
        supplies.update(tg.supplies)
        if tg.nodes:
            ids = {resolver.node_ids[n] for n in tg.nodes}
            nodes.update(tg.nodes)
            arcs.update(i for i in tg.links if ends[i] in ids)
            stocks.update(j for j, st in enumerate(scenario.storage) if st.node in ids)
        else:
            arcs.update(tg.links)
    return sorted(arcs), sorted(supplies), sorted(stocks), sorted(nodes)


def _cells(values: np.ndarray, rows: list[int], window: np.ndarray) -> np.ndarray:
    """``values`` of ``rows`` in the periods of ``window``: a (rows, periods) array."""
    return values[np.ix_(np.asarray(rows, dtype=int), np.flatnonzero(window))]


def _sum(values: np.ndarray, rows: list[int], window: np.ndarray) -> float:
    return float(_cells(values, rows, window).sum())


def event_effects(result: Result, base: Result | None = None) -> list[dict[str, Any]]:
    """Per disruption event of ``result``'s scenario (those applied to a run, in order): its
    key and file, target, ``capacity_factor``, the periods of its window, and per commodity
    ``unit``, ``capacity``, ``capacity_removed``, ``base_flow``, ``disrupted_flow`` and
    ``flow_removed`` (see the module docstring), with ``base_flow_pj``,
    ``disrupted_flow_pj`` and ``flow_removed_pj`` over the commodities.

    ``base`` is the undisrupted run of the same scenario and network; when it is not given
    it is solved here (:func:`undisrupted`). Flows are None when either run has no solution.
    """
    s, net = result.scenario, result.network
    events = [(i, ev) for i, ev in enumerate(s.disruptions) if ev.probability is None]
    if not events:
        return []
    if base is None:
        base = undisrupted(result)
    resolver = TargetResolver(s, net)
    quiet = s.with_updates(disruptions=())
    base_avail = availability(quiet, net, resolver)
    solved = result.has_solution and base.has_solution
    arcs_index = list(net.links.index)
    run, ref = _Tables(result, s, arcs_index), _Tables(base, s, arcs_index)
    years = period_years(s.horizon.period_days)
    T = s.horizon.periods
    links = net.links
    link_com = links["commodity"].to_numpy()
    sup_com = np.array([x.commodity for x in s.supply], dtype=object)
    st_com = np.array([j.commodity for j in s.storage], dtype=object)
    wd_cap = np.array([[j.max_withdrawal * years] * T for j in s.storage]).reshape(-1, T)
    wd_cap = wd_cap * base_avail.node[[resolver.node_ids.index(j.node) for j in s.storage]]
    node_cap = net.nodes["capacity"].to_numpy(dtype=float)
    com = s.commodities
    out: list[dict[str, Any]] = []
    for i, ev in events:
        own = availability(
            s.with_updates(disruptions=(ev,)), net, resolver, bypass=False, seasons=False
        )
        arcs, sups, stocks, nodes = _measured(s, resolver, ev.targets, links)
        window = _window(own, arcs, sups, nodes)
        file, key = s.event_location(i)
        record: dict[str, Any] = {
            "event": key,
            "file": file,
            "target": ev.target if isinstance(ev.target, str) else list(ev.target),
            "capacity_factor": ev.capacity_factor,
            "periods": [int(t) + 1 for t in np.flatnonzero(window)],
            "commodities": {},
        }
        totals = {"base_flow_pj": 0.0, "disrupted_flow_pj": 0.0, "flow_removed_pj": 0.0}
        touched = {*link_com[arcs], *sup_com[sups], *st_com[stocks]}
        for c in [c for c in com if c in touched]:
            a = [r for r in arcs if link_com[r] == c]
            p = [r for r in sups if sup_com[r] == c]
            k = [r for r in stocks if st_com[r] == c]
            cap = _cells(ref.capacity, a, window)  # NaN: unlimited
            cut = 1.0 - _cells(own.link, a, window)
            nodes_of = [resolver.node_ids.index(s.storage[j].node) for j in k]
            others = (
                _cells(ref.available, p, window) * (1.0 - _cells(own.supply, p, window))
            ).sum()
            others += (_cells(wd_cap, k, window) * (1.0 - _cells(own.node, nodes_of, window))).sum()
            unlimited_cut = bool(np.isnan(cap[cut > _CUT]).any())
            removed = None if unlimited_cut else float(np.nansum(cap * cut) + others)
            capacity = (
                None
                if np.isnan(cap).any()
                else float(cap.sum() + _sum(ref.available, p, window) + _sum(wd_cap, k, window))
            )
            row: dict[str, Any] = {
                "unit": com[c].unit,
                "capacity": capacity,
                "capacity_removed": removed,
                "base_flow": None,
                "disrupted_flow": None,
                "flow_removed": None,
            }
            if solved:
                before = (
                    _sum(ref.flow, a, window)
                    + _sum(ref.supply, p, window)
                    + _sum(ref.withdrawal, k, window)
                )
                after = (
                    _sum(run.flow, a, window)
                    + _sum(run.supply, p, window)
                    + _sum(run.withdrawal, k, window)
                )
                row.update(base_flow=before, disrupted_flow=after, flow_removed=before - after)
                pj = com[c].pj_per_unit
                totals["base_flow_pj"] += before * pj
                totals["disrupted_flow_pj"] += after * pj
                totals["flow_removed_pj"] += (before - after) * pj
            record["commodities"][c] = row
        limited = [n for n in nodes if np.isfinite(node_cap[n])]
        if limited:
            lost = node_cap[limited, None] * base_avail.node[limited] * years
            lost = lost * (1.0 - own.node[limited])
            record["node_capacity_removed_pj"] = float(lost[:, window].sum())
        record.update(totals if solved else dict.fromkeys(totals))
        out.append(record)
    return out


def _window(own: Availability, arcs: list[int], sups: list[int], nodes: list[int]) -> np.ndarray:
    """Periods in which the event keeps less than all of its target's capacity."""
    cut = np.zeros(own.link.shape[1], dtype=bool)
    for table, rows in ((own.link, arcs), (own.supply, sups), (own.node, nodes)):
        if rows:
            cut |= (table[rows] < 1.0 - _CUT).any(axis=0)
    return cut
