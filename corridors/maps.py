"""Maps of a result: a static PNG of the flows and a GeoPackage of links and nodes with flows."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from shapely.geometry import box  # noqa: E402

from corridors.metrics import chokepoint_exposure  # noqa: E402
from corridors.results import Result, atomic_write  # noqa: E402

CRS_WGS84 = "EPSG:4326"
#: Robinson: a compromise world projection, fine for routes from the Americas to East Asia.
CRS_MAP = "+proj=robin +lon_0=0 +datum=WGS84 +units=m +no_defs"
COMMODITY_COLOURS = {
    "crude_oil": "#3b2f2f",
    "lng": "#1f77b4",
    "pipeline_gas": "#2ca02c",
}
FALLBACK_COLOURS = ["#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def link_flows(result: Result) -> gpd.GeoDataFrame:
    """One row per arc: flow summed over the horizon (units and PJ), per year, and geometry."""
    fl = result.flows
    com = result.scenario.commodities
    years = result.scenario.horizon.periods * result.scenario.horizon.period_days / 365.0
    agg = fl.groupby("link", sort=False).agg(
        {
            "from": "first",
            "to": "first",
            "commodity": "first",
            "mode": "first",
            "corridor": "first",
            "flow": "sum",
            "capacity": "sum",
        }
    )
    agg["flow_per_year"] = agg["flow"] / years
    agg["pj_per_year"] = agg["flow_per_year"] * agg["commodity"].map(lambda c: com[c].pj_per_unit)
    links = result.network.links
    agg["status"] = links.loc[agg.index, "status"].to_numpy()
    agg["capacity_per_year"] = links.loc[agg.index, "capacity"].astype(float).to_numpy()
    agg["length_km"] = links.loc[agg.index, "length_km"].astype(float).to_numpy()
    agg = agg.drop(columns=["capacity"])
    geom = [result.network.geometry[i] for i in agg.index]
    gdf = gpd.GeoDataFrame(agg.reset_index(names="id"), geometry=geom, crs=CRS_WGS84)
    return gdf


def node_table(result: Result) -> gpd.GeoDataFrame:
    """Nodes with supplied volume and unmet demand over the horizon (PJ)."""
    nodes = result.network.nodes
    com = result.scenario.commodities
    sup = result.supply.assign(
        pj=lambda d: d["supplied"] * d["commodity"].map(lambda c: com[c].pj_per_unit)
    )
    un = result.unmet.assign(
        pj=lambda d: d["unmet"] * d["commodity"].map(lambda c: com[c].pj_per_unit),
        dem_pj=lambda d: d["demand"] * d["commodity"].map(lambda c: com[c].pj_per_unit),
    )
    df = nodes[["name", "kind", "country"]].copy()
    df["supplied_pj"] = sup.groupby("node")["pj"].sum().reindex(df.index).fillna(0.0)
    df["demand_pj"] = un.groupby("node")["dem_pj"].sum().reindex(df.index).fillna(0.0)
    df["unmet_pj"] = un.groupby("node")["pj"].sum().reindex(df.index).fillna(0.0)
    geom = [result.network.geometry[i] for i in df.index]
    return gpd.GeoDataFrame(df.reset_index(names="id"), geometry=geom, crs=CRS_WGS84)


def _colour(commodity: str, order: list[str]) -> str:
    if commodity in COMMODITY_COLOURS:
        return COMMODITY_COLOURS[commodity]
    return FALLBACK_COLOURS[order.index(commodity) % len(FALLBACK_COLOURS)]


def plot_flows(result: Result, path: Path, dpi: int = 150) -> Path:
    """Draw the flows: line width by energy volume, colour by commodity, chokepoints marked
    with their share of energy imports, unmet demand as red circles, country outlines."""
    lf = link_flows(result)
    nodes = node_table(result)
    used = lf[lf["flow"] > 1e-6]
    fig, ax = plt.subplots(figsize=(13, 7.5), dpi=dpi)
    ax.set_facecolor("#dbe9f4")

    active = nodes[nodes["id"].isin(set(used["from"]) | set(used["to"]))]
    shown = active if len(active) else nodes
    minx, miny, maxx, maxy = shown.total_bounds
    padx, pady = max(5.0, (maxx - minx) * 0.06), max(4.0, (maxy - miny) * 0.08)
    bbox = (minx - padx, max(-85.0, miny - pady), maxx + padx, min(85.0, maxy + pady))

    if result.network.basemap is not None and Path(result.network.basemap).exists():
        world = gpd.read_file(result.network.basemap)
        world = world.clip(bbox).to_crs(CRS_MAP)
        world.plot(ax=ax, color="#f4f1ea", edgecolor="#9a9a9a", linewidth=0.4, zorder=1)

    commodities = list(result.scenario.commodities)
    if len(used):
        u = used.to_crs(CRS_MAP)
        peak = float(u["pj_per_year"].max()) or 1.0
        widths = 0.6 + 7.0 * np.sqrt(u["pj_per_year"] / peak)
        for (c, grp), w in ((g, widths[g[1].index]) for g in u.groupby("commodity")):
            grp.plot(
                ax=ax,
                color=_colour(c, commodities),
                linewidth=w,
                alpha=0.75,
                zorder=3,
                capstyle="round",
            )

    nodes_m = nodes.to_crs(CRS_MAP)
    ends = nodes_m[nodes_m["kind"].isin(["supply"]) & (nodes_m["supplied_pj"] > 0)]
    ax.scatter(ends.geometry.x, ends.geometry.y, s=14, color="#555555", zorder=4, label=None)
    dem = nodes_m[nodes_m["demand_pj"] > 0]
    ax.scatter(dem.geometry.x, dem.geometry.y, s=40, marker="s", color="#444444", zorder=5)
    short = nodes_m[nodes_m["unmet_pj"] > 1e-6]
    if len(short):
        size = 60 + 900 * short["unmet_pj"] / max(float(nodes_m["demand_pj"].max()), 1e-9)
        ax.scatter(
            short.geometry.x,
            short.geometry.y,
            s=size,
            facecolors="none",
            edgecolors="#d62728",
            linewidths=2,
            zorder=6,
        )

    exp = chokepoint_exposure(result)
    energy = exp[exp["commodity"] == "all_pj"].set_index("chokepoint")["share"]
    chokes = nodes_m[nodes_m["kind"] == "chokepoint"]
    disrupted = _disrupted_nodes(result)
    placed: list[tuple[float, float]] = []
    span = (ax.get_xlim()[1] - ax.get_xlim()[0]) if len(used) else 1.0
    for row in chokes.itertuples():
        x, y = row.geometry.x, row.geometry.y
        cut = row.id in disrupted
        ax.scatter(
            [x],
            [y],
            s=70,
            marker="X" if cut else "D",
            color="#d62728" if cut else "#ff7f0e",
            edgecolors="black",
            linewidths=0.6,
            zorder=7,
        )
        share = float(energy.get(row.id, 0.0))
        label = f"{row.name or row.id}\n{share:.0%}" + (" (cut)" if cut else "")
        dy = 0.0
        for px, py in placed:  # nudge labels that would overlap
            if abs(px - x) < span * 0.06 and abs(py - (y + dy)) < span * 0.025:
                dy -= span * 0.03
        placed.append((x, y + dy))
        ax.annotate(
            label,
            (x, y),
            xytext=(6, 4 + dy / span * 800),
            textcoords="offset points",
            fontsize=7.5,
            zorder=8,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
        )

    frame = gpd.GeoSeries([box(*bbox).segmentize(1.0)], crs=CRS_WGS84).to_crs(CRS_MAP)
    fx0, fy0, fx1, fy1 = frame.total_bounds
    ax.set_xlim(fx0, fx1)
    ax.set_ylim(fy0, fy1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    handles = [
        Line2D([0], [0], color=_colour(c, commodities), lw=4, label=c.replace("_", " "))
        for c in commodities
        if c in set(used["commodity"])
    ]
    handles.append(
        Line2D(
            [0],
            [0],
            marker="D",
            color="w",
            markerfacecolor="#ff7f0e",
            markeredgecolor="black",
            markersize=7,
            label="chokepoint (share of energy imports)",
        )
    )
    handles.append(
        Line2D(
            [0],
            [0],
            marker="s",
            color="w",
            markerfacecolor="#444444",
            markersize=7,
            label="demand region",
        )
    )
    if len(short):
        handles.append(
            Line2D(
                [0],
                [0],
                marker="o",
                color="w",
                markerfacecolor="none",
                markeredgecolor="#d62728",
                markersize=10,
                label="unmet demand",
            )
        )
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    sc = result.scenario
    total_unmet = result.unmet_pj()
    ax.set_title(
        f"{sc.name}: optimal import flows (line width ∝ energy, PJ/yr)"
        + (f" — unmet demand {total_unmet:,.0f} PJ" if total_unmet > 1e-6 else ""),
        fontsize=12,
    )
    fig.text(
        0.01,
        0.01,
        "corridors · data: geodata/SOURCES.md · basemap: Natural Earth 1:110m",
        fontsize=7,
        color="#555555",
    )
    fig.tight_layout()

    def _save(p: Path) -> None:
        fig.savefig(p, format="png", dpi=dpi)

    atomic_write(path, _save)
    plt.close(fig)
    return path


def _disrupted_nodes(result: Result) -> set[str]:
    out: set[str] = set()
    for ev in result.scenario.disruptions:
        for t in ev.targets:
            name = t.split(":", 1)[1] if t.startswith("node:") else t
            if name in result.network.nodes.index:
                out.add(name)
    return out


def write_gpkg(result: Result, path: Path) -> Path:
    """GeoPackage (EPSG:4326) with layers ``links`` (flows over the horizon) and ``nodes``."""
    lf = link_flows(result)
    nodes = node_table(result)
    for col in ("corridor", "status"):
        lf[col] = lf[col].astype("string").fillna("")

    def _write(p: Path) -> None:
        p.unlink(missing_ok=True)
        lf.to_file(p, layer="links", driver="GPKG", engine="pyogrio")
        nodes.to_file(p, layer="nodes", driver="GPKG", engine="pyogrio", append=False)

    atomic_write(path, _write)
    return path


__all__ = ["link_flows", "node_table", "plot_flows", "write_gpkg"]
