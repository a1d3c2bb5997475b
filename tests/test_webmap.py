"""The interactive web map says what the static map says: shortfall of consumption (red, with
its share of the region's consumption, labelled by region) apart from stock building given up at
reserve sites (grey, dashed, unlabelled); its labels do not overlap; ``corridors compare``
prints the comparison itself."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from chromium import find_chromium, open_page
from conftest import SCENARIOS
from test_maps import small_case

import corridors
from corridors.core.results import Result
from corridors.outputs import layers, maps, webmap

TAG = re.compile(r"<(circle|text|line)\b([^>]*)>(?:([^<]*)</text>)?")
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def elements(page: str) -> list[dict[str, Any]]:
    """The SVG circles, texts and lines of a map: their attributes, and a text's content."""
    out = []
    for tag, attrs, text in TAG.findall(page):
        el: dict[str, Any] = dict(ATTR.findall(attrs))
        el["tag"] = tag
        el["classes"] = set(el.get("class", "").split())
        el["text"] = html.unescape(text or "")
        out.append(el)
    return out


def map_data(page: str, dom_id: str = "cmap") -> list[dict[str, str]]:
    """The tooltip records of the map (the JSON block of the page)."""
    block = re.search(
        rf'<script type="application/json" id="{dom_id}-data">(.*?)</script>', page, re.S
    )
    assert block is not None
    data: list[dict[str, str]] = json.loads(block.group(1))
    return data


@pytest.fixture(scope="module")
def hormuz() -> Result:
    return corridors.solve(SCENARIOS / "hormuz_closure.yaml")


@pytest.fixture(scope="module")
def hormuz_page(hormuz: Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return webmap.write_html_map(hormuz, tmp_path_factory.mktemp("webmap") / "map.html")


def test_subtitle_states_shortfall_and_stock_building_apart(
    hormuz: Result, hormuz_page: Path
) -> None:
    page = hormuz_page.read_text(encoding="utf-8")
    first, second = maps.headline_lines(hormuz)  # the static map's two lines
    sub = re.findall(r'<p class="sub2?">(.*?)</p>', page)
    assert sub[0] == html.escape(f"Optimal flows over one year: {first}")
    assert sub[1] == html.escape(second[:1].upper() + second[1:])
    assert re.match(r"Shortfall [\d.,]+ Mt crude oil = 15\.\d% of consumption", sub[1])
    assert re.search(r"stock building given up [\d.,]+ Mt crude oil \(not a shortage\)", sub[1])
    assert "unmet demand" not in page


def test_reserve_sites_are_grey_and_unlabelled_regions_red_and_labelled(
    hormuz: Result, hormuz_page: Path
) -> None:
    page = hormuz_page.read_text(encoding="utf-8")
    data = map_data(page)
    els = elements(page)
    sites = {d.node for d in hormuz.scenario.demand if d.purpose == "stock_building"}
    site_names = {str(hormuz.network.nodes.loc[n, "name"]) for n in sites}
    split = maps.unmet_by_node(hormuz)
    short_regions = set(split.index[split["shortfall"] > 1e-6])
    given_sites = set(split.index[split["given_up"] > 1e-6])
    assert given_sites == sites and short_regions  # the closure does both

    def named(cls: str) -> list[str]:
        return [data[int(e["data-i"])]["name"] for e in els if {"halo", cls} <= e["classes"]]

    # a grey dashed circle at every reserve site that gave up stock building, no red one
    assert sorted(named("given")) == sorted(site_names)
    assert not set(named("short")) & site_names
    assert len(named("short")) == len(short_regions)
    for e in els:
        if "nd" in e["classes"] and data[int(e["data-i"])]["name"] in site_names:
            assert e["classes"] == {"nd", "site"} and e["fill"] == maps.GIVEN_UP
    # labels: one per region short, as the static map words it; none for a reserve site
    texts = maps.shortfall_labels(hormuz)
    labels = [e["text"] for e in els if "lb" in e["classes"]]
    assert not [t for t in labels if t.startswith("SPR")], labels
    assert f"East: {texts['cn_east']}" in labels and "Mt short (" in texts["cn_east"]
    red = [e["text"] for e in els if {"lb", "short"} <= e["classes"]]
    assert len(red) == len(short_regions)
    # tooltips: the region's shortfall is a share of its consumption; a site's is not a shortage
    east = next(d for d in data if d.get("name", "").startswith("East"))
    assert re.fullmatch(r"[\d.,]+ Mt crude oil = 1\d\.\d% of its consumption", east["shortfall"])
    site = next(d for d in data if d.get("name") in site_names)
    assert "shortfall" not in site and site["given_up"].endswith("not a shortage)")
    assert "unmet" not in site and "demand" not in site
    # the legend says which is which
    assert "stock building given up (not a shortage)" in page
    assert "shortfall of consumption (area ∝ PJ" in page


def test_small_case_labels_as_the_static_map(tmp_path: Path) -> None:
    result = corridors.solve(small_case(tmp_path / "case", closed=True))
    page = webmap.interactive_map(result)
    labels = [e["text"] for e in elements(page) if "lb" in e["classes"]]
    assert "Demand region: 2.00 Mt short (20%)" in labels  # as on map.png
    region = next(d for d in map_data(page) if d.get("kind") == "demand")
    assert region["shortfall"] == "2.00 Mt crude oil = 20.0% of its consumption"
    assert region["consumption"] == "10.0 Mt crude oil"
    assert 'class="halo given"' not in page  # no stock building in this case
    opened = corridors.solve(small_case(tmp_path / "case", closed=False))
    page = webmap.interactive_map(opened)
    assert 'class="halo' not in page and 'class="lb short"' not in page
    region = next(d for d in map_data(page) if d.get("kind") == "demand")
    assert region["shortfall"] == "none"


def test_label_boxes_do_not_overlap() -> None:
    """The placer: crowded anchors get labels whose estimated boxes never overlap."""
    labs = [webmap._Label(100 + 3 * i, 100 + 2 * i, f"Region {i}: 12.5 Mt short (10%)",
                          "short", 10 - i, 5) for i in range(8)]  # fmt: skip
    svg = "".join(webmap._place_labels(labs, [(lab.x, lab.y, 4.0) for lab in labs], 1000, 500))
    texts = [e for e in elements(svg) if e["tag"] == "text"]
    assert len(texts) == 8
    boxes = []
    for e in texts:
        x, y = float(e["x"]), float(e["y"])
        w = len(e["text"]) * webmap._FONT * 0.64
        x0 = {"start": x, "end": x - w, "middle": x - w / 2}[e["text-anchor"]]
        boxes.append((x0, y - 0.8 * webmap._FONT, x0 + w, y + 0.25 * webmap._FONT))
    for a, b in combinations(boxes, 2):
        assert webmap._overlap(a, b) == 0.0, (a, b)
    # labels pushed out of the crowd are tied to their marker
    assert svg.count('<line class="ld short"') >= 1


def test_gis_nodes_split_consumption_from_stock_building(hormuz: Result) -> None:
    nodes = layers.node_table(hormuz).set_index("id")
    split = maps.unmet_by_node(hormuz)
    for col, src in (("consumption_pj", "consumption"), ("shortfall_pj", "shortfall"),
                     ("stock_building_pj", "stock_building"), ("given_up_pj", "given_up")):  # fmt: skip
        got = nodes[col].reindex(split.index)
        assert got.to_numpy() == pytest.approx(split[src].to_numpy()), col
    east = nodes.loc["cn_east"]
    assert east["shortfall_share"] == pytest.approx(east["shortfall_pj"] / east["consumption_pj"])
    spr = nodes.loc["spr_dalian"]
    assert spr["shortfall_pj"] == 0 and spr["shortfall_share"] == 0 and spr["given_up_pj"] > 0


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("headless browser check skipped: chromium not found")
    return path


@pytest.mark.parametrize("scenario", ["hormuz_closure", "baseline"])
def test_web_map_in_headless_chromium(
    scenario: str, hormuz_page: Path, chromium: str, tmp_path: Path
) -> None:
    """In a browser: no errors, no label overlaps another (as drawn, at the initial view and
    zoomed in), and hovering a reserve site tells stock building given up from a shortage."""
    if scenario == "hormuz_closure":
        path = hormuz_page
    else:
        result = corridors.solve(SCENARIOS / f"{scenario}.yaml")
        path = webmap.write_html_map(result, tmp_path / "map.html")
    page = open_page(chromium, path, width=1400, height=850)
    overlaps = """(() => {
      const ls = [...document.querySelectorAll('#cmap .lb')];
      const bs = ls.map(l => l.getBoundingClientRect());
      const bad = [];
      for (let i = 0; i < bs.length; i++) for (let j = i + 1; j < bs.length; j++) {
        const a = bs[i], b = bs[j];
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
          bad.push(ls[i].textContent + ' | ' + ls[j].textContent);
      }
      return [ls.length, bad];
    })()"""
    try:
        assert page.console_errors == [] and page.exceptions == [] and page.requests == []
        n, bad = page.evaluate(overlaps)
        assert n > 10 and bad == []
        tip = page.evaluate(
            """(() => {
              const el = document.querySelector('#cmap .nd.site');
              if (!el) { return null; }
              const r = el.getBoundingClientRect();
              el.dispatchEvent(new PointerEvent('pointermove', {bubbles: true,
                clientX: r.left + r.width / 2, clientY: r.top + r.height / 2}));
              const t = document.querySelector('#cmap .cmap-tip');
              return t.hidden ? '' : t.textContent;
            })()"""
        )
        assert tip is not None and "Stock building:" in tip
        if scenario == "hormuz_closure":
            assert "Given up:" in tip and "not a shortage" in tip and "Shortfall" not in tip
        page.evaluate(
            """(() => {
              const svg = document.querySelector('#cmap svg');
              const r = svg.getBoundingClientRect();
              for (let k = 0; k < 3; k++) {
                svg.dispatchEvent(new WheelEvent('wheel', {deltaY: -300, bubbles: true,
                  cancelable: true, clientX: r.left + r.width * 0.8,
                  clientY: r.top + r.height * 0.35}));
              }
            })()"""
        )
        n, bad = page.evaluate(overlaps)
        assert bad == []
        page.collect()
        assert page.console_errors == [] and page.exceptions == []
    finally:
        assert page.cdp is not None
        page.cdp.close()


def test_compare_prints_the_comparison(tmp_path: Path) -> None:
    runs = []
    for closed in (False, True):
        folder = tmp_path / ("closed" if closed else "open")
        corridors.run(small_case(tmp_path / "case", closed), folder)
        runs.append(folder)
    out = tmp_path / "cmp"
    proc = subprocess.run(
        [sys.executable, "-m", "corridors", "compare", *map(str, runs), "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80", "NO_COLOR": "1"},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("2 runs compared")
    files = [ln.strip() for ln in lines[1:] if ln.startswith("  ") and "." in ln.strip()]
    assert files[:3] == ["comparison.csv", "comparison.md", "comparison.txt"]
    # after the file list, a blank line, then comparison.txt as it is (not re-wrapped)
    text = (out / "comparison.txt").read_text(encoding="utf-8").rstrip("\n")
    blank = lines.index("")
    assert lines[blank - 1].strip().endswith(".png")
    assert "\n".join(lines[blank + 1 :]) == text
    assert "closed against open:" in text and "[over the horizon" in text
