"""Geographic tables of a result and their GIS export (GeoPackage, GeoJSON).

Tables (GeoDataFrames in EPSG:4326): :func:`link_flows` (one row per arc: flow over the
horizon and per year, in units and PJ, capacity, utilisation, lowest availability),
:func:`link_period_table` (one row per arc and period), :func:`node_table` (supplied volume,
demand and unmet demand, PJ; consumption and its shortfall apart from stock building and what
of it was given up) and :func:`chokepoint_table` (throughput and share of imports).
The static maps (:mod:`corridors.outputs.maps`), the interactive map (:mod:`corridors.outputs.webmap`) and the
report draw from them. :func:`write_gpkg` and :func:`write_geojson` export them as layers
``nodes``, ``links``, ``link_periods`` and ``chokepoints``. No matplotlib here.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from corridors.analysis.metrics import chokepoint_exposure, stock_building_rows
from corridors.core.results import Result
from corridors.io.files import atomic_write
from corridors.units import DAYS_PER_YEAR

CRS_WGS84 = "EPSG:4326"


# --------------------------------------------------------------------------- tables


def disruption_factors(result: Result) -> tuple[pd.Series, pd.Series]:
    """Lowest availability over the horizon of each arc and each node (1 = untouched).

    Applied events only: events with a ``probability`` are Monte Carlo candidates, not part of
    the run. A supplier-country target marks that country's supply nodes.
    """
    from corridors.core.availability import availability

    net = result.network
    link_f = pd.Series(1.0, index=net.links.index)
    node_f = pd.Series(1.0, index=net.nodes.index)
    if not result.scenario.disruptions:
        return link_f, node_f
    # events only: not the bypass share, nor the seasons (a closed season is no disruption)
    av = availability(result.scenario, net, bypass=False, seasons=False)
    link_f[:] = av.link.min(axis=1) if av.link.size else 1.0
    node_f[:] = av.node.min(axis=1) if av.node.size else 1.0
    for i, s in enumerate(result.scenario.supply):
        if av.supply.size and s.node in node_f.index:
            node_f[s.node] = min(node_f[s.node], float(av.supply[i].min()))
    return link_f, node_f


def years(result: Result) -> float:
    """Length of the horizon in years (365-day years)."""
    h = result.scenario.horizon
    return h.periods * h.period_days / DAYS_PER_YEAR


def pj_factors(result: Result) -> dict[str, float]:
    return {c: v.pj_per_unit for c, v in result.scenario.commodities.items()}


def link_flows(result: Result) -> gpd.GeoDataFrame:
    """One row per arc: flow over the horizon and per year (units, PJ), capacity, utilisation,
    disruption (lowest availability), geometry (EPSG:4326)."""
    fl = result.flows
    com = result.scenario.commodities
    n_years = years(result)
    links = result.network.links
    agg = fl.groupby("link", sort=False).agg(flow=("flow", "sum"))
    agg = agg.reindex(links.index).fillna({"flow": 0.0})
    df = pd.DataFrame(index=links.index)
    df["name"] = links["name"].fillna("").astype(str) if "name" in links else ""
    df["from"] = links["from"].astype(str)
    df["to"] = links["to"].astype(str)
    names = result.network.nodes["name"].fillna("").astype(str)
    names = names.where(names != "", result.network.nodes.index.to_series())
    df["from_name"] = df["from"].map(names)
    df["to_name"] = df["to"].map(names)
    df["commodity"] = links["commodity"].astype(str)
    df["unit"] = df["commodity"].map(lambda c: com[c].unit)
    df["mode"] = links["mode"].astype(str)
    df["corridor"] = links["corridor"].astype(object).where(links["corridor"].notna(), None)
    df["status"] = links["status"].astype(str)
    df["flow"] = agg["flow"].astype(float)
    df["flow_per_year"] = df["flow"] / n_years
    df["pj_per_year"] = df["flow_per_year"] * df["commodity"].map(lambda c: com[c].pj_per_unit)
    cap = links["capacity"].astype(float)
    df["capacity_per_year"] = cap
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap > 0, df["flow_per_year"] / cap, np.nan)
    df["utilisation"] = util
    df["length_km"] = links["length_km"].astype(float)
    lf, _ = disruption_factors(result)
    df["availability_min"] = lf.reindex(df.index).astype(float)
    df["disrupted"] = df["availability_min"] < 1.0 - 1e-9
    geom = [result.network.geometry[i] for i in df.index]
    return gpd.GeoDataFrame(df.reset_index(names="id"), geometry=geom, crs=CRS_WGS84)


def link_period_table(result: Result) -> gpd.GeoDataFrame:
    """One row per arc and period: flow, capacity, utilisation, delivered, shadow price."""
    fl = result.flows
    df = pd.DataFrame(
        {
            "id": fl["link"].astype(str).to_numpy(),
            "commodity": fl["commodity"].astype(str).to_numpy(),
            "period": fl["period"].astype("int32").to_numpy(),
            "flow": fl["flow"].astype(float).to_numpy(),
            "capacity": fl["capacity"].astype(float).to_numpy(),
        }
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        df["utilisation"] = np.where(df["capacity"] > 0, df["flow"] / df["capacity"], np.nan)
    for col in ("delivered", "shadow_price"):
        df[col] = fl[col].astype(float).to_numpy() if col in fl else np.nan
    geom = [result.network.geometry[i] for i in df["id"]]
    return gpd.GeoDataFrame(df, geometry=geom, crs=CRS_WGS84)


def node_table(result: Result) -> gpd.GeoDataFrame:
    """Nodes with supplied volume, demand and unmet demand over the horizon (PJ).

    ``demand_pj``, ``unmet_pj`` and ``unmet_share`` count every demand entry; split by purpose:
    ``consumption_pj`` and its ``shortfall_pj`` (``shortfall_share`` = shortfall /
    consumption), ``stock_building_pj`` and what of it was ``given_up_pj`` (not a shortage).
    """
    nodes = result.network.nodes
    pj = pj_factors(result)
    sup = result.supply.assign(pj=lambda d: d["supplied"] * d["commodity"].map(pj))
    building = stock_building_rows(result).to_numpy(dtype=bool)
    un = result.unmet.assign(
        pj=lambda d: d["unmet"] * d["commodity"].map(pj),
        dem_pj=lambda d: d["demand"] * d["commodity"].map(pj),
    )
    un = un.assign(
        cons_pj=np.where(building, 0.0, un["dem_pj"]),
        short_pj=np.where(building, 0.0, un["pj"]),
        build_pj=np.where(building, un["dem_pj"], 0.0),
        given_pj=np.where(building, un["pj"], 0.0),
    )
    df = pd.DataFrame(index=nodes.index)
    df["name"] = nodes["name"].fillna("").astype(str)
    df["kind"] = nodes["kind"].astype(str)
    df["country"] = nodes["country"].astype(str)
    df["supplied_pj"] = sup.groupby("node")["pj"].sum().reindex(df.index).fillna(0.0)
    df["demand_pj"] = un.groupby("node")["dem_pj"].sum().reindex(df.index).fillna(0.0)
    df["unmet_pj"] = un.groupby("node")["pj"].sum().reindex(df.index).fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["unmet_share"] = np.where(df["demand_pj"] > 0, df["unmet_pj"] / df["demand_pj"], 0.0)
    for col, src in (
        ("consumption_pj", "cons_pj"),
        ("shortfall_pj", "short_pj"),
        ("stock_building_pj", "build_pj"),
        ("given_up_pj", "given_pj"),
    ):
        df[col] = un.groupby("node")[src].sum().reindex(df.index).fillna(0.0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["shortfall_share"] = np.where(
            df["consumption_pj"] > 0, df["shortfall_pj"] / df["consumption_pj"], 0.0
        )
    _, nf = disruption_factors(result)
    df["availability_min"] = nf.reindex(df.index).astype(float)
    df["disrupted"] = df["availability_min"] < 1.0 - 1e-9
    geom = [result.network.geometry[i] for i in df.index]
    return gpd.GeoDataFrame(df.reset_index(names="id"), geometry=geom, crs=CRS_WGS84)


def field_name(name: str) -> str:
    """``name`` as part of a GIS field name: other than letters, digits and ``_`` becomes ``_``."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def chokepoint_table(result: Result) -> gpd.GeoDataFrame:
    """Chokepoints: throughput (units and PJ over the horizon), share of imports per commodity
    and of energy imports, capacity (PJ/yr), lowest availability."""
    exp = chokepoint_exposure(result)
    nodes = result.network.nodes
    ids = list(result.network.chokepoints)
    df = pd.DataFrame(index=pd.Index(ids, name="id"))
    df["name"] = nodes.loc[ids, "name"].fillna("").astype(str) if ids else []
    df["capacity_pj_per_year"] = nodes.loc[ids, "capacity"].astype(float) if ids else []
    for c in [*result.scenario.commodities, "all_pj"]:
        part = exp[exp["commodity"] == c].set_index("chokepoint")
        key = "energy" if c == "all_pj" else field_name(c)
        df[f"throughput_{'pj' if c == 'all_pj' else key}"] = (
            part["throughput"].reindex(ids).fillna(0.0).astype(float)
        )
        df[f"share_{key}"] = part["share"].reindex(ids).fillna(0.0).astype(float)
    _, nf = disruption_factors(result)
    df["availability_min"] = nf.reindex(ids).astype(float)
    df["disrupted"] = df["availability_min"] < 1.0 - 1e-9
    geom = [result.network.geometry[i] for i in ids]
    return gpd.GeoDataFrame(df.reset_index(), geometry=geom, crs=CRS_WGS84)


# --------------------------------------------------------------------------- GIS


def gis_layers(result: Result) -> dict[str, gpd.GeoDataFrame]:
    """The layers of the GIS exports, with plain field types (str, float, int32, bool)."""
    links = link_flows(result).rename(columns={"from": "from_id", "to": "to_id"})
    links["corridor"] = links["corridor"].astype(object).where(links["corridor"].notna(), None)
    return {
        "nodes": node_table(result),
        "links": links,
        "link_periods": link_period_table(result),
        "chokepoints": chokepoint_table(result),
    }


def write_gpkg(result: Result, path: Path) -> Path:
    """GeoPackage (EPSG:4326) with layers ``nodes``, ``links`` (horizon totals),
    ``link_periods`` (flow per arc and period; each arc carries one commodity) and
    ``chokepoints``."""
    layers = gis_layers(result)

    def _write(p: Path) -> None:
        p.unlink(missing_ok=True)
        for name, gdf in layers.items():
            gdf.to_file(
                p,
                layer=name,
                driver="GPKG",
                engine="pyogrio",
                append=p.exists(),
                # GeoPackage 1.2: read without "partially supported" warnings by older GDAL
                dataset_options=None if p.exists() else {"VERSION": "1.2"},
            )

    atomic_write(Path(path), _write)
    return Path(path)


def write_geojson(result: Result, folder: Path) -> list[Path]:
    """One RFC 7946 GeoJSON file per layer (same layers as the GeoPackage) in ``folder``."""
    folder = Path(folder)
    out = []
    for name, gdf in gis_layers(result).items():
        p = folder / f"{name}.geojson"

        def _write(tmp: Path, gdf: gpd.GeoDataFrame = gdf, name: str = name) -> None:
            tmp.unlink(missing_ok=True)
            gdf.to_file(
                tmp,
                layer=name,
                driver="GeoJSON",
                engine="pyogrio",
                layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": "5"},
            )

        atomic_write(p, _write)
        out.append(p)
    return out


__all__ = [
    "CRS_WGS84",
    "chokepoint_table",
    "disruption_factors",
    "field_name",
    "gis_layers",
    "link_flows",
    "link_period_table",
    "node_table",
    "write_geojson",
    "write_gpkg",
    "years",
]
