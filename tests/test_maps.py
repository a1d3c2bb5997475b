"""Briefing maps from a result folder: static figures, GIS layers, interactive map, errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pyogrio
import pytest
from factory import link, node, write_case
from PIL import Image

import corridors
from corridors.core.resultdir import load_result_dir
from corridors.errors import CorridorsError
from corridors.outputs import geo, labels, layers, maps, render, style, webmap

EVIL = "Strait <script>alert('x')</script> & \"co\""


def small_case(tmp: Path, closed: bool = False) -> Path:
    """Supplier s -> (junction a | chokepoint b) -> demand d, near the Malay peninsula.

    Via a: capacity 6, cost 1+1; via b: capacity 10, cost 2+2; via c: capacity 2, cost 5+5;
    demand 10, supply 20. Optimum: 6 via a, 4 via b. With b closed: 6 via a, 2 via c,
    2 unmet (42.3 PJ/Mt -> 84.6 PJ).
    """
    nodes = [
        node("s", "supply", 95.0, 5.0, country="AAA", name="Supplier port"),
        node("a", "junction", 100.0, 12.0),
        node("b", "chokepoint", 101.0, 2.5, capacity=1.0e6, name=EVIL),
        node("c", "chokepoint", 101.3, 2.9, capacity=1.0e6, name="Second strait nearby"),
        node("d", "demand", 110.0, 8.0, country="BBB", name="Demand region (south)"),
    ]
    links = [
        link("sa", "s", "a", capacity=6, cost=1, corridor="north"),
        link("ad", "a", "d", capacity=10, cost=1, corridor="north"),
        link("sb", "s", "b", capacity=10, cost=2, mode="sea", corridor="south"),
        link("bd", "b", "d", capacity=10, cost=2, mode="sea", corridor="south"),
        link("sc", "s", "c", capacity=10, cost=5, mode="sea", corridor="south"),
        link("cd", "c", "d", capacity=2, cost=5, mode="sea", corridor="south"),
    ]
    basemap = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Landia"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[98, 4], [104, 4], [104, 14], [98, 14], [98, 4]]],
                },
            }
        ],
    }
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "basemap.geojson").write_text(json.dumps(basemap))
    scenario = {
        "name": "closed" if closed else "open",
        "network": {
            "nodes": "nodes.geojson",
            "links": "links.geojson",
            "basemap": "basemap.geojson",
        },
        "supply": [{"node": "s", "commodity": "crude_oil", "max": 20, "price": 10}],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 10}],
        "disruptions": [{"target": "b", "capacity_factor": 0.0}] if closed else [],
    }
    return write_case(tmp, nodes, links, scenario, name="closed.yaml" if closed else "open.yaml")


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("maps")
    out = {}
    for closed in (False, True):
        yaml_path = small_case(tmp / "case", closed)
        folder = tmp / ("closed" if closed else "open")
        corridors.run(yaml_path, folder)
        out["closed" if closed else "open"] = folder
    return out


def non_background(png: Path | bytes) -> tuple[tuple[int, int], float, int]:
    """Image size, share of pixels that differ from the most common colour, distinct colours."""
    im = Image.open(png if isinstance(png, Path) else __import__("io").BytesIO(png))
    arr = np.asarray(im.convert("RGB")).reshape(-1, 3)
    colours, counts = np.unique(arr, axis=0, return_counts=True)
    return im.size, 1.0 - counts.max() / counts.sum(), len(colours)


def has_colour(png: Path, hex_colour: str, tol: int = 12, min_pixels: int = 30) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    arr = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3).astype(int)
    return int((np.abs(arr - rgb).max(axis=1) <= tol).sum()) >= min_pixels


def test_result_folder_round_trip(dirs: dict[str, Path]) -> None:
    rd = load_result_dir(dirs["closed"])
    r = rd.result
    assert r.status.value == "optimal"
    assert r.unmet_pj() == pytest.approx(2 * 42.3)
    assert set(r.flows["link"]) == set(r.network.links.index)
    assert rd.warnings == []


def test_every_format(dirs: dict[str, Path], tmp_path: Path) -> None:
    rd = load_result_dir(dirs["open"])
    paths = render.render(rd.result, tmp_path, "png,svg,pdf,gpkg,geojson,html", dpi=100)
    names = {p.relative_to(tmp_path).as_posix() for p in paths}
    assert {"map.png", "map.svg", "map.pdf", "flows.gpkg", "map.html"} <= names
    assert {
        f"geojson/{n}.geojson" for n in ("nodes", "links", "link_periods", "chokepoints")
    } <= names
    size, busy, ncol = non_background(tmp_path / "map.png")
    assert abs(size[0] - 1333) <= 1 and size[1] == 750  # 13.33 x 7.5 in (16:9) at 100 dpi
    assert busy > 0.3 and ncol > 50
    assert has_colour(tmp_path / "map.png", style.COMMODITY_COLOURS["crude_oil"])  # flow lines
    assert has_colour(tmp_path / "map.png", style.CHOKE)  # chokepoint markers
    assert has_colour(tmp_path / "map.png", style.LAND)  # the basemap polygon
    svg = ET.parse(tmp_path / "map.svg").getroot()
    text = "".join(svg.itertext())
    assert "Second strait nearby" in text and "Energy import flows" in text
    assert (tmp_path / "map.pdf").read_bytes()[:5] == b"%PDF-"


def test_print_size_and_dpi(dirs: dict[str, Path], tmp_path: Path) -> None:
    rd = load_result_dir(dirs["open"])
    maps.plot_flows(rd.result, tmp_path / "map.png", dpi=300)
    w, h = Image.open(tmp_path / "map.png").size
    assert abs(w - 4000) <= 1 and h == 2250  # 13.33 x 7.5 in at 300 dpi


def test_geopackage_layers_and_fields(dirs: dict[str, Path], tmp_path: Path) -> None:
    rd = load_result_dir(dirs["open"])
    path = layers.write_gpkg(rd.result, tmp_path / "flows.gpkg")
    found = dict(pyogrio.list_layers(path))
    assert found == {
        "nodes": "Point",
        "links": "LineString",
        "link_periods": "LineString",
        "chokepoints": "Point",
    }
    info = pyogrio.read_info(path, layer="links")
    assert info["crs"] == "EPSG:4326"
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["flow_per_year"] == "float64" and types["capacity_per_year"] == "float64"
    assert types["commodity"] == "object" and types["disrupted"] == "bool"
    assert types["from_id"] == "object" and types["to_id"] == "object"
    per = pyogrio.read_info(path, layer="link_periods")
    ptypes = dict(zip(per["fields"], per["dtypes"], strict=True))
    assert ptypes["period"] in ("int32", "int64") and ptypes["flow"] == "float64"
    links = pyogrio.read_dataframe(path, layer="links").set_index("id")
    # the optimum: 6 via a, 4 via b, nothing via c (hand-checked in small_case)
    assert links.loc["sa", "flow"] == pytest.approx(6)
    assert links.loc["sb", "flow"] == pytest.approx(4)
    assert links.loc["sc", "flow"] == pytest.approx(0)
    assert links.loc["sb", "pj_per_year"] == pytest.approx(4 * 42.3)
    assert links.loc["sa", "utilisation"] == pytest.approx(1.0)
    ch = pyogrio.read_dataframe(path, layer="chokepoints").set_index("id")
    assert ch.loc["b", "share_energy"] == pytest.approx(0.4)
    assert ch.loc["b", "name"] == EVIL
    assert not ch["disrupted"].any()


def test_geojson_is_rfc7946(dirs: dict[str, Path], tmp_path: Path) -> None:
    rd = load_result_dir(dirs["closed"])
    for p in layers.write_geojson(rd.result, tmp_path):
        doc = json.loads(p.read_text())
        assert doc["type"] == "FeatureCollection" and doc["name"] == p.stem
        assert "crs" not in doc  # RFC 7946: WGS 84 lon/lat implied
        lon, lat = np.array(
            [
                c
                for f in doc["features"]
                for c in (
                    [f["geometry"]["coordinates"]]
                    if f["geometry"]["type"] == "Point"
                    else f["geometry"]["coordinates"]
                )
            ]
        ).T
        assert lon.min() >= 90 and lon.max() <= 115 and lat.min() >= 0 and lat.max() <= 15
    ch = json.loads((tmp_path / "chokepoints.geojson").read_text())
    b = next(f for f in ch["features"] if f["properties"]["id"] == "b")
    assert b["properties"]["disrupted"] is True and b["properties"]["availability_min"] == 0


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) not installed")
def test_ogrinfo_opens_without_warnings(dirs: dict[str, Path], tmp_path: Path) -> None:
    rd = load_result_dir(dirs["closed"])
    files = [layers.write_gpkg(rd.result, tmp_path / "flows.gpkg")]
    files += layers.write_geojson(rd.result, tmp_path / "geojson")
    for f in files:
        proc = subprocess.run(
            ["ogrinfo", "-ro", "-al", "-so", str(f)], capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.strip() == "", f"{f.name}: {proc.stderr}"
        assert "Warning" not in proc.stdout and "ERROR" not in proc.stdout


def test_disrupted_elements_are_marked(dirs: dict[str, Path], tmp_path: Path) -> None:
    rd = load_result_dir(dirs["closed"])
    lf = layers.link_flows(rd.result).set_index("id")
    assert lf.loc["sb", "disrupted"] and lf.loc["bd", "disrupted"]
    assert not lf.loc["sa", "disrupted"] and not lf.loc["sc", "disrupted"]
    nodes = layers.node_table(rd.result).set_index("id")
    assert nodes.loc["d", "unmet_pj"] == pytest.approx(2 * 42.3)
    maps.plot_flows(rd.result, tmp_path / "map.png", dpi=100)
    assert has_colour(tmp_path / "map.png", style.CUT)  # dashed links, cross, unmet circle
    fig = maps.figure_map(rd.result, dpi=100)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("closed" in t for t in texts)
    assert "Demand region: 2.00 Mt short (20%)" in texts  # of 10 Mt of crude oil consumed
    title = [t.get_text() for t in fig.texts]
    assert "Shortfall 2.00 Mt crude oil = 20.0% of consumption" in title


def test_labels_do_not_overlap_on_the_baseline() -> None:
    result = corridors.solve(Path(__file__).parents[1] / "scenarios" / "baseline.yaml")
    fig = maps.figure_map(result, dpi=100)
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    # the label's box (text and its white background), leader lines aside
    boxes = {t.get_text(): t.get_bbox_patch().get_window_extent(renderer) for t in ax.texts}
    assert any(k.startswith("Lombok") for k in boxes) and any(k.startswith("Sunda") for k in boxes)
    axbox = ax.get_window_extent(renderer)
    for (ta, a), (tb, b) in combinations(boxes.items(), 2):
        assert not a.overlaps(b), f"labels overlap: {ta!r} and {tb!r}"
    for t, b in boxes.items():
        assert axbox.x0 <= b.x0 and b.x1 <= axbox.x1, f"label outside the map: {t!r}"


def test_hormuz_map_tells_shortfall_from_stock_building() -> None:
    """The Hormuz-closure map: shortfall of consumption in red, labelled by region with its
    share of the region's consumption; stock building given up at the reserve sites grey and
    unlabelled; the title states both, each on its basis."""
    from corridors.analysis.metrics import balance

    result = corridors.solve(Path(__file__).parents[1] / "scenarios" / "hormuz_closure.yaml")
    fig = maps.figure_map(result, dpi=100)
    ax = fig.axes[0]
    title = " ".join(t.get_text() for t in fig.texts)
    crude = balance(result)["crude_oil"]
    share = f"{crude['unmet_share_of_consumption']:.1%}"
    assert re.search(rf"Shortfall [\d.,]+ Mt crude oil = {re.escape(share)} of consumption", title)
    assert re.search(r"stock building given up [\d.,]+ Mt crude oil \(not a shortage\)", title)
    assert "unmet demand" not in title
    labels = [t.get_text() for t in ax.texts]
    assert not any(t.startswith("SPR") for t in labels), labels
    assert any(t.startswith("East: ") and "Mt short (" in t for t in labels)
    # the reserve sites that gave up stock building: a grey circle each, none red
    sites = {d.node for d in result.scenario.demand if d.purpose == "stock_building"}
    frame = geo.make_frame([result])
    spots = {n: frame.project(result.network.geometry[n]) for n in sites}
    red = grey = None
    for coll in ax.collections:
        ec = coll.get_edgecolor()
        if len(ec) and np.allclose(ec[0][:3], mcolors.to_rgb(style.CUT)):
            red = coll.get_offsets()
        grey_edge = len(ec) and np.allclose(ec[0][:3], mcolors.to_rgb(maps.GIVEN_UP))
        if grey_edge and len(coll.get_offsets()) == len(sites):
            grey = coll.get_offsets()
    assert grey is not None and red is not None
    for p in spots.values():
        assert np.min(np.hypot(grey[:, 0] - p.x, grey[:, 1] - p.y)) < 1e-6
        assert np.min(np.hypot(red[:, 0] - p.x, red[:, 1] - p.y)) > 1e-6
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = {t.get_text(): t.get_bbox_patch().get_window_extent(renderer) for t in ax.texts}
    for (ta, a), (tb, b) in combinations(boxes.items(), 2):
        assert not a.overlaps(b), f"labels overlap: {ta!r} and {tb!r}"


def test_place_labels_crowded_points() -> None:
    fig = maps.new_figure((6, 4), dpi=100)
    ax = fig.subplots()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    crowd = [labels.Label(5 + 0.01 * i, 5, f"label number {i}") for i in range(8)]
    placed = labels.place_labels(fig, ax, crowd, [])
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [a.get_bbox_patch().get_window_extent(r) for a in placed]
    assert len(boxes) == 8
    for a, b in combinations(boxes, 2):
        assert not a.overlaps(b)


def test_projection_by_extent() -> None:
    assert geo.choose_crs((-95, -40, 155, 75))[1] == "Equal Earth"
    assert geo.choose_crs((90, -10, 120, 15))[1] == "Lambert azimuthal equal-area"
    crs, name = geo.choose_crs((70, 20, 135, 55))
    assert name == "Albers equal-area conic"
    assert "+lon_0=102.50" in crs.srs and "+lat_1=25.83" in crs.srs


def test_before_after_figure(dirs: dict[str, Path], tmp_path: Path) -> None:
    before = load_result_dir(dirs["open"]).result
    after = load_result_dir(dirs["closed"]).result
    paths = render.render(after, tmp_path, ["png"], compare=before, dpi=100)
    assert paths == [tmp_path / "compare.png"]
    size, busy, _ = non_background(paths[0])
    assert abs(size[0] - 1333) <= 1 and size[1] == 750 and busy > 0.3
    fig = maps.figure_compare(before, after, dpi=100)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles[0].startswith("Before: “open”") and titles[1].startswith("After: “closed”")
    assert "shortfall 2.00 Mt crude oil = 20.0% of consumption" in titles[1]
    assert "all consumption met" in titles[0]
    change = next(t.get_text() for t in fig.texts if t.get_text().startswith("Change:"))
    # same horizon: the costs are compared directly (shortage 2 x 1000 + transport, USD)
    assert "shortfall of consumption, crude oil +2.00 Mt" in change and "cost +USD" in change


def test_colour_by_corridor(dirs: dict[str, Path], tmp_path: Path) -> None:
    rd = load_result_dir(dirs["open"])
    st = style.make_style([rd.result], "corridor")
    assert {"north", "south"} <= set(st.colours)
    maps.plot_flows(rd.result, tmp_path / "c.png", dpi=100, colour_by="corridor")
    assert has_colour(tmp_path / "c.png", st.colours["north"])
    assert has_colour(tmp_path / "c.png", st.colours["south"])


def test_interactive_map_is_offline_and_escaped(dirs: dict[str, Path], tmp_path: Path) -> None:
    rd = load_result_dir(dirs["open"])
    path = webmap.write_html_map(rd.result, tmp_path / "map.html")
    text = path.read_text()
    assert "http://" not in text and "https://" not in text
    assert "<script>alert" not in text  # the node name is escaped everywhere
    assert "Strait &lt;script&gt;alert" in text  # SVG label text
    assert "\\u003cscript\\u003e" in text  # JSON data in the script block
    assert text.count("<script") == 2  # the data block and the map's own code


# --------------------------------------------------------------------------- bad input


def test_missing_folder() -> None:
    with pytest.raises(CorridorsError, match="result folder not found"):
        load_result_dir("/nonexistent/result")


def test_incomplete_folder(dirs: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(dirs["open"], broken)
    (broken / "unmet.csv").unlink()
    (broken / "supply.csv").unlink()
    with pytest.raises(CorridorsError, match="missing unmet.csv, supply.csv"):
        load_result_dir(broken)
    shutil.copy(dirs["open"] / "unmet.csv", broken / "unmet.csv")
    shutil.copy(dirs["open"] / "supply.csv", broken / "supply.csv")
    (broken / "flows.csv").write_text("link,period\nsa,1\n")
    with pytest.raises(CorridorsError, match=r"flows.csv: missing column\(s\) from, to"):
        load_result_dir(broken)


def test_scenario_file_gone(dirs: dict[str, Path], tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(dirs["open"], moved)
    man = json.loads((moved / "manifest.json").read_text())
    man["scenario_file"] = str(tmp_path / "gone.yaml")
    (moved / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(CorridorsError, match="--scenario"):
        load_result_dir(moved)
    scenario = dirs["open"].parent / "case" / "open.yaml"
    assert load_result_dir(moved, scenario).result.scenario.name == "open"


def test_unknown_format_and_colour() -> None:
    with pytest.raises(CorridorsError, match="unknown format 'jpg' \\(did you mean 'png'\\?\\)"):
        render.parse_formats("png,jpg")
    assert render.parse_formats(" PNG, svg ,png") == ["png", "svg"]
    with pytest.raises(CorridorsError, match="commodity or corridor|commodity, corridor"):
        style.make_style([], "country")


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corridors", *map(str, args)],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )


def test_cli_map(dirs: dict[str, Path], tmp_path: Path) -> None:
    ok = _cli("map", dirs["closed"], "--format", "png,html", "--out", tmp_path, "--dpi", "80")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "map.png").exists() and (tmp_path / "map.html").exists()
    bad = _cli("map", dirs["closed"], "--format", "png,tiff")
    assert bad.returncode == 2
    assert "unknown format 'tiff'" in bad.stderr and "Traceback" not in bad.stderr
    gone = _cli("map", tmp_path / "nothing-here")
    assert gone.returncode == 2 and "result folder not found" in gone.stderr
