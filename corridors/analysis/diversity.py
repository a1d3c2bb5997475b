"""Diversification metrics computed from a result's optimal flows.

Every figure is over the whole horizon (periods summed, not discounted), per commodity and
for ``all`` commodities together in energy terms (PJ = volume × PJ per unit). Within one
commodity an energy share equals a volume share.

Definitions (the policy constraints of :mod:`corridors.analysis.policy` use the same ones):

- **importer**: the countries of the demand nodes. An **entry link** is an active link from a
  node outside the importer countries to a node inside them (a sea lane into a port or LNG
  terminal, a pipeline across a border). Its commodity is its input commodity.
- **imports** of commodity c: ``E_c = Σ_s PJ(c)·supplied_s`` over the supplies of c that are
  imports (with a scenario ``importer``, its domestic production is left out; see
  :mod:`corridors.analysis.metrics`).
- **supplier** share: energy supplied by the export points of one country / ``E_c``.
- **corridor** share: energy on the entry links of a corridor / energy on all entry links.
  Entry links without a corridor count as ``(none)``.
- **entry_point** share: energy on the entry links ending at one node (port, border,
  terminal) / energy on all entry links.
- **mode** share: energy on entry links of one mode (pipeline, sea, rail) / all entry links.
  A mode share is how energy crosses into the importer (crude landed in Myanmar and piped to
  China counts as pipeline).
- **chokepoint** share: energy flowing into the chokepoint node / ``E_c`` (as in
  :func:`corridors.analysis.metrics.chokepoint_exposure`). A flow may pass two straits, so chokepoint
  shares need not sum to 1.
- **any strait** share: energy arriving through entry links that passed at least one
  chokepoint / energy on all entry links. Link flows do not say which molecule went where,
  so the share is computed by *proportional flow tracing*: at each (node, commodity) pool the
  outflows carry the pool's mix of inflows. With x_p the fraction of pool p that passed a
  strait, x_p = 1 at a chokepoint and otherwise

      x_p · inflow_p = Σ_{l into p} delivered_l · x_{from(l)}

  one linear system per period, solved exactly (cycles in the flow graph included; a
  circulation with no inflow from outside carries no imports and gets x = 0). Storage
  withdrawals enter as energy that passed no strait.

Indices on the shares s_i ∈ [0, 1] of the members i of a group (suppliers, corridors, entry
points; their shares sum to 1):

- HHI = Σ s_i² (``hhi``, on [0, 1]: 1 = one member carries everything), also ×10,000
  (``hhi_10000``, the antitrust scale);
- effective number N = (Σ s_i)² / Σ s_i² (``effective_number``; = 1/HHI when the shares sum
  to 1: the number of equal members with the same HHI);
- Shannon H = −Σ q_i ln q_i with q_i = s_i / Σ_j s_j (natural log; 0 ln 0 = 0; 0 = one
  member, ln n = n equal members);
- ``members``: members with a positive share.

Every index is 0 for a group with no energy (no imports of the commodity, no strait passed).

For chokepoints the members are the straits only, each with its share of imports
s_k = energy into strait k / ``E_c`` (the ``share`` rows): the energy that passed no strait is
not a concentration and adds nothing to the HHI. So a commodity that passes no strait (pipeline
gas from a neighbour) has chokepoint HHI 0, one that all passes one strait has 1, half through
one strait gives 0.25. A cargo that passes two straits in a row counts at both, so the shares
can sum to more than 1 and the chokepoint HHI can exceed 1 (crude from the Gulf through Hormuz
and Malacca): it measures exposure, the way the ``max_hhi`` policy on chokepoints does (see
:mod:`corridors.core.policy`). Shannon and the effective number then describe how the strait
passages spread over the straits.

Risk-weighted (scores r ∈ [0, 1] from the scenario's ``risk:`` section, ``default`` for the
rest): ``risk_hhi = Σ r_i s_i²`` (the concentration that sits on risky suppliers) and
``risk_exposure = Σ r_i s_i`` (the risk-weighted share of imports), for suppliers and
chokepoints.

Costs: transport emissions (t CO2e) and their carbon cost (carbon price × emissions, USD) by
commodity; nodal landed cost = the marginal cost (dual of the balance) at the demand nodes,
USD per unit and USD per GJ.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from corridors.analysis.metrics import import_supply
from corridors.core.groups import ALL, NONE, entry_mask
from corridors.core.results import Result
from corridors.io.schema import Scenario

SHARE_GROUPS = ("supplier", "corridor", "entry_point", "mode", "chokepoint")
INDEX_GROUPS = ("supplier", "corridor", "entry_point", "chokepoint")
DIVERSITY_COLUMNS = ["commodity", "group", "id", "metric", "value"]


# --------------------------------------------------------------------------- definitions


def _pj(scenario: Scenario) -> dict[str, float]:
    return {c: v.pj_per_unit for c, v in scenario.commodities.items()}


def _commodities(scenario: Scenario) -> list[str]:
    return [*scenario.commodities, ALL]


# --------------------------------------------------------------------------- shares


def _energy_by(df: pd.DataFrame, key: str, qty: str, pj: dict[str, float]) -> pd.DataFrame:
    """PJ per (commodity, key), plus the ``all`` rows."""
    d = df.assign(pj=df[qty] * df["commodity"].map(pj))
    per = d.groupby(["commodity", key], dropna=False)["pj"].sum().reset_index()
    tot = d.groupby(key, dropna=False)["pj"].sum().reset_index().assign(commodity=ALL)
    return pd.concat([per, tot], ignore_index=True)


def shares(result: Result, group: str) -> pd.DataFrame:
    """Import shares of one group: columns ``commodity, group, id, pj, share``.

    ``group`` is ``supplier``, ``corridor``, ``entry_point``, ``mode`` or ``chokepoint`` (see
    the module docstring for each definition). Rows with zero energy are kept for members
    that exist in the network so that scenarios line up in comparisons.
    """
    s, net = result.scenario, result.network
    pj = _pj(s)
    fl = result.flows
    if group == "supplier":
        by = _energy_by(import_supply(result), "country", "supplied", pj).rename(
            columns={"country": "id"}
        )
        denom = _totals_supply(result)
    elif group in ("corridor", "entry_point", "mode"):
        entry = fl[fl["link"].isin(net.links.index[entry_mask(s, net)])]
        col = {"corridor": "corridor", "entry_point": "to", "mode": "mode"}[group]
        entry = entry.assign(key=entry[col].fillna(NONE).astype(str))
        by = _energy_by(entry, "key", "flow", pj).rename(columns={"key": "id"})
        denom = by.groupby("commodity")["pj"].sum().to_dict()
    elif group == "chokepoint":
        into = fl[fl["to"].isin(net.chokepoints)]
        by = _energy_by(into, "to", "flow", pj).rename(columns={"to": "id"})
        full = pd.MultiIndex.from_product([_commodities(s), net.chokepoints])
        by = (
            by.set_index(["commodity", "id"])
            .reindex(full, fill_value=0.0)
            .rename_axis(["commodity", "id"])
            .reset_index()
        )
        denom = _totals_supply(result)
    else:
        raise ValueError(f"unknown group {group!r}; use one of {', '.join(SHARE_GROUPS)}")
    by["share"] = [
        p / denom.get(c, 0.0) if denom.get(c, 0.0) > 0 else 0.0
        for c, p in zip(by["commodity"], by["pj"], strict=True)
    ]
    by["group"] = group
    by["id"] = by["id"].astype(str)
    order = {c: i for i, c in enumerate(_commodities(s))}
    by = by.sort_values(
        ["commodity", "id"], key=lambda k: k.map(order) if k.name == "commodity" else k
    )
    return by[["commodity", "group", "id", "pj", "share"]].reset_index(drop=True)


def _totals_supply(result: Result) -> dict[str, float]:
    pj = _pj(result.scenario)
    sup = import_supply(result)
    e = sup["supplied"] * sup["commodity"].map(pj)
    per = e.groupby(sup["commodity"]).sum().to_dict()
    out = {c: float(per.get(c, 0.0)) for c in result.scenario.commodities}
    out[ALL] = float(sum(out.values()))
    return out


def all_shares(result: Result) -> pd.DataFrame:
    """Shares of every group (:data:`SHARE_GROUPS`) and the ``any strait`` share."""
    parts = [shares(result, g) for g in SHARE_GROUPS]
    anys = any_strait(result).assign(group="chokepoint", id="any")
    parts.append(anys[["commodity", "group", "id", "pj", "share"]])
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- any strait


def strait_fractions(result: Result, period: int) -> dict[tuple[str, str], float]:
    """Fraction x_p of each (node, commodity) pool that passed a chokepoint (proportional
    tracing, see the module docstring) in one period (1-based)."""
    fl = result.flows[(result.flows["period"] == period) & (result.flows["flow"] > 0)]
    chokes = set(result.network.chokepoints)
    pools: dict[tuple[str, str], int] = {}

    def idx(key: tuple[str, str]) -> int:
        return pools.setdefault(key, len(pools))

    inflow: dict[int, float] = {}
    edges: list[tuple[int, int, float]] = []  # (to pool, from pool, delivered)
    for a, b, ci, co, dlv in zip(
        fl["from"], fl["to"], fl["commodity"], fl["output_commodity"], fl["delivered"], strict=True
    ):
        p_from, p_to = idx((a, ci)), idx((b, co))
        edges.append((p_to, p_from, float(dlv)))
        inflow[p_to] = inflow.get(p_to, 0.0) + float(dlv)
    sup = result.supply[result.supply["period"] == period]
    for n, c, v in zip(sup["node"], sup["commodity"], sup["supplied"], strict=True):
        if v > 0:
            p = idx((n, c))
            inflow[p] = inflow.get(p, 0.0) + float(v)
    st = result.storage[result.storage["period"] == period]
    for n, c, v in zip(st["node"], st["commodity"], st["withdrawal"], strict=True):
        if v > 0:
            p = idx((n, c))
            inflow[p] = inflow.get(p, 0.0) + float(v)
    n = len(pools)
    if n == 0:
        return {}
    a = np.zeros((n, n))
    b = np.zeros(n)
    keys = list(pools)
    fixed = np.array([k[0] in chokes for k in keys])
    for i in range(n):
        if fixed[i]:
            a[i, i] = 1.0
            b[i] = 1.0
        else:
            a[i, i] = inflow.get(i, 0.0) or 1.0  # no inflow: x = 0
    for p_to, p_from, dlv in edges:
        if not fixed[p_to]:
            a[p_to, p_from] -= dlv
    try:
        x = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:  # a circulation without outside inflow: least squares
        x = np.linalg.lstsq(a, b, rcond=None)[0]
    x = np.clip(x, 0.0, 1.0)
    return {k: float(x[i]) for k, i in pools.items()}


def any_strait(result: Result) -> pd.DataFrame:
    """Energy arriving through entry links that passed at least one chokepoint.

    Columns ``commodity, pj, share`` (share of the energy on all entry links).
    """
    s, net = result.scenario, result.network
    pj = _pj(s)
    entry_ids = set(net.links.index[entry_mask(s, net)])
    chokes = set(net.chokepoints)
    fl = result.flows
    through: dict[str, float] = dict.fromkeys(s.commodities, 0.0)
    total: dict[str, float] = dict.fromkeys(s.commodities, 0.0)
    for t in sorted(fl["period"].unique()):
        x = strait_fractions(result, int(t))
        part = fl[(fl["period"] == t) & fl["link"].isin(entry_ids) & (fl["flow"] > 0)]
        for a, b, c, f in zip(
            part["from"], part["to"], part["commodity"], part["flow"], strict=True
        ):
            e = float(f) * pj[c]
            frac = 1.0 if b in chokes else x.get((a, c), 0.0)
            through[c] += e * frac
            total[c] += e
    through[ALL] = sum(through.values())
    total[ALL] = sum(total.values())
    return pd.DataFrame(
        [
            {
                "commodity": c,
                "pj": through[c],
                "share": through[c] / total[c] if total[c] > 0 else 0.0,
            }
            for c in _commodities(s)
        ]
    )


# --------------------------------------------------------------------------- indices


def hhi(values: Any) -> float:
    """Σ s_i² of shares s_i = v_i / Σ v (values need not be normalised); 0 for no values."""
    v = np.asarray(list(values), dtype=float)
    v = v[v > 0]
    if not v.size:
        return 0.0
    s = v / v.sum()
    return float(np.sum(s * s))


def shannon(values: Any) -> float:
    """H = −Σ s_i ln s_i of shares s_i = v_i / Σ v (0 ln 0 = 0)."""
    v = np.asarray(list(values), dtype=float)
    v = v[v > 0]
    if not v.size:
        return 0.0
    s = v / v.sum()
    return float(-np.sum(s * np.log(s))) + 0.0  # no -0.0


def indices(result: Result, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """HHI, Shannon and the effective number by supplier, corridor, entry point and chokepoint,
    per commodity (see the module docstring for each definition).

    Columns ``commodity, group, hhi, hhi_10000, shannon, effective_number, members`` (members
    with a positive share). Chokepoints: the straits only, on their shares of imports; a
    commodity that passes no strait has every index 0.
    """
    tab = all_shares(result) if table is None else table
    rows = []
    for group in INDEX_GROUPS:
        g = tab[(tab["group"] == group) & (tab["id"] != "any")]
        for c in _commodities(result.scenario):
            part = g[g["commodity"] == c]
            pj = part["pj"].to_numpy(dtype=float)
            if group == "chokepoint":  # shares of imports, not normalised (module docstring)
                s = np.where(pj > 0, part["share"].to_numpy(dtype=float), 0.0)
            else:
                s = pj / pj.sum() if pj.sum() > 0 else np.zeros(len(pj))
            h = float(np.sum(s * s))
            rows.append(
                {
                    "commodity": c,
                    "group": group,
                    "hhi": h,
                    "hhi_10000": h * 1e4,
                    "shannon": shannon(pj),
                    "effective_number": float(s.sum()) ** 2 / h if h > 0 else 0.0,
                    "members": int(np.sum(pj > 1e-9)),
                }
            )
    return pd.DataFrame(rows)


def risk_weighted(result: Result, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Risk-weighted HHI Σ r_i s_i² and exposure Σ r_i s_i for suppliers and chokepoints.

    Scores come from the scenario's ``risk:`` section (``default`` for unlisted members).
    Columns ``commodity, group, risk_hhi, risk_exposure``.
    """
    risk = result.scenario.risk
    tab = all_shares(result) if table is None else table
    scores = {"supplier": risk.supplier, "chokepoint": risk.chokepoint}
    rows = []
    for group, table_r in scores.items():
        g = tab[(tab["group"] == group) & (tab["id"] != "any")]
        for c in _commodities(result.scenario):
            part = g[g["commodity"] == c]
            r = np.array([table_r.get(i, risk.default) for i in part["id"]], dtype=float)
            sh = part["share"].to_numpy(dtype=float)
            rows.append(
                {
                    "commodity": c,
                    "group": group,
                    "risk_hhi": float(np.sum(r * sh * sh)),
                    "risk_exposure": float(np.sum(r * sh)),
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- costs


def emissions_cost(result: Result) -> pd.DataFrame:
    """Transport emissions (t CO2e), their carbon cost and the transport cost (USD), by the
    commodity carried, plus ``all``. Columns ``commodity, emissions_t, carbon_cost_usd,
    transport_cost_usd``."""
    fl = result.flows
    price = result.scenario.carbon_price
    g = fl.groupby("commodity")[["emissions_t", "cost_usd"]].sum()
    rows = []
    for c in _commodities(result.scenario):
        if c == ALL:
            e, tc = float(g["emissions_t"].sum()), float(g["cost_usd"].sum())
        else:
            e = float(g["emissions_t"].get(c, 0.0))
            tc = float(g["cost_usd"].get(c, 0.0))
        rows.append(
            {
                "commodity": c,
                "emissions_t": e,
                "carbon_cost_usd": e * price,
                "transport_cost_usd": tc,
            }
        )
    return pd.DataFrame(rows)


def landed_cost(result: Result) -> pd.DataFrame:
    """Nodal landed cost at the demand nodes: the balance dual (marginal cost of one more unit
    delivered there). Columns ``node, commodity, period, usd_per_unit, usd_per_gj``. NaN when
    the solve gave no duals (a MIP, or no optimum)."""
    pj = _pj(result.scenario)
    dem = {(d.node, d.commodity) for d in result.scenario.demand}
    pr = result.prices
    keep = [(n, c) in dem for n, c in zip(pr["node"], pr["commodity"], strict=True)]
    out = pr.loc[keep, ["node", "commodity", "period", "marginal_cost"]].rename(
        columns={"marginal_cost": "usd_per_unit"}
    )
    out["usd_per_gj"] = out["usd_per_unit"] / (out["commodity"].map(pj) * 1e6)  # 1 PJ = 1e6 GJ
    return out.reset_index(drop=True)


def _mean_landed(result: Result) -> dict[str, float]:
    """Demand-weighted mean landed cost per commodity, USD per GJ."""
    lc = landed_cost(result)
    un = result.unmet.set_index(["node", "commodity", "period"])["demand"]
    out: dict[str, float] = {}
    for c, part in lc.groupby("commodity"):
        w = np.array(
            [un.get((n, c, t), 0.0) for n, t in zip(part["node"], part["period"], strict=True)]
        )
        v = part["usd_per_gj"].to_numpy(dtype=float)
        out[str(c)] = float(np.sum(w * v) / np.sum(w)) if np.sum(w) > 0 else math.nan
    return out


# --------------------------------------------------------------------------- tables


def diversity(result: Result) -> pd.DataFrame:
    """Every diversity figure as one tidy table (written as ``diversity.csv``).

    Columns ``commodity, group, id, metric, value``. Metrics: ``pj`` and ``share`` per group
    member (group supplier/corridor/entry_point/mode/chokepoint; chokepoint ``any`` is the
    any-strait share); ``hhi``, ``hhi_10000``, ``shannon``, ``effective_number``, ``members``
    per group (id ``""``); ``risk_hhi`` and ``risk_exposure`` (group ``risk_supplier``,
    ``risk_chokepoint``); ``emissions_t``, ``carbon_cost_usd``, ``transport_cost_usd``
    (group ``emissions``); ``landed_usd_per_gj`` (group ``landed_cost``, id = demand node,
    mean over periods; id ``""`` = demand-weighted mean).
    """
    tab = all_shares(result)
    parts = [
        tab.melt(
            id_vars=["commodity", "group", "id"], value_vars=["pj", "share"], var_name="metric"
        )
    ]
    idx = indices(result, tab)
    parts.append(
        idx.assign(id="").melt(
            id_vars=["commodity", "group", "id"],
            value_vars=["hhi", "hhi_10000", "shannon", "effective_number", "members"],
            var_name="metric",
        )
    )
    rw = risk_weighted(result, tab)
    parts.append(
        rw.assign(id="", group="risk_" + rw["group"]).melt(
            id_vars=["commodity", "group", "id"],
            value_vars=["risk_hhi", "risk_exposure"],
            var_name="metric",
        )
    )
    em = emissions_cost(result)
    parts.append(
        em.assign(group="emissions", id="").melt(
            id_vars=["commodity", "group", "id"],
            value_vars=["emissions_t", "carbon_cost_usd", "transport_cost_usd"],
            var_name="metric",
        )
    )
    lc = landed_cost(result)
    if len(lc):
        node_mean = lc.groupby(["commodity", "node"])["usd_per_gj"].mean().reset_index()
        parts.append(
            pd.DataFrame(
                {
                    "commodity": node_mean["commodity"],
                    "group": "landed_cost",
                    "id": node_mean["node"],
                    "metric": "landed_usd_per_gj",
                    "value": node_mean["usd_per_gj"],
                }
            )
        )
        mean = _mean_landed(result)
        parts.append(
            pd.DataFrame(
                [
                    {
                        "commodity": c,
                        "group": "landed_cost",
                        "id": "",
                        "metric": "landed_usd_per_gj",
                        "value": v,
                    }
                    for c, v in mean.items()
                ]
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype(float)
    return out[DIVERSITY_COLUMNS]


def headline(result: Result, table: pd.DataFrame | None = None) -> dict[str, Any]:
    """The figures for summary.json: HHI (on [0, 1]) and Shannon by group, any-strait and mode
    shares, risk-weighted figures, per commodity."""
    tab = diversity(result) if table is None else table
    out: dict[str, Any] = {}
    for c in _commodities(result.scenario):
        t = tab[tab["commodity"] == c]
        row: dict[str, Any] = {}
        for group in INDEX_GROUPS:
            g = t[(t["group"] == group) & (t["id"] == "")].set_index("metric")["value"]
            row[f"hhi_{group}"] = round(float(g.get("hhi", 0.0)), 6)
            row[f"shannon_{group}"] = round(float(g.get("shannon", 0.0)), 6)
        anys = t[(t["group"] == "chokepoint") & (t["id"] == "any") & (t["metric"] == "share")]
        row["share_any_strait"] = round(float(anys["value"].iloc[0]), 6) if len(anys) else 0.0
        modes = t[(t["group"] == "mode") & (t["metric"] == "share")]
        row["share_mode"] = {
            str(i): round(float(v), 6) for i, v in zip(modes["id"], modes["value"], strict=True)
        }
        for group in ("risk_supplier", "risk_chokepoint"):
            g = t[t["group"] == group].set_index("metric")["value"]
            row[f"{group}_hhi"] = round(float(g.get("risk_hhi", 0.0)), 6)
            row[f"{group}_exposure"] = round(float(g.get("risk_exposure", 0.0)), 6)
        out[c] = row
    return out
