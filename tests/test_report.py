"""The HTML briefing: self-contained, escaped, and clean in a real (headless) browser."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from chromium import find_chromium, install_chromium, open_page
from PIL import Image
from test_maps import EVIL, small_case

import corridors
from corridors.core.resultdir import load_result_dir
from corridors.errors import CorridorsError
from corridors.outputs import webmap
from corridors.outputs.report import build_report, write_report


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("report")
    out = {}
    for closed in (False, True):
        folder = tmp / ("closed" if closed else "open")
        corridors.run(small_case(tmp / "case", closed), folder)
        out[folder.name] = folder
    return out


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; installed once when CORRIDORS_INSTALL_CHROMIUM=1 (root, apt)."""
    path = find_chromium()
    if path is None and os.environ.get("CORRIDORS_INSTALL_CHROMIUM") == "1":
        path = install_chromium()
    if path is None:
        pytest.skip(
            "headless browser check skipped: chromium not found (apt-get install chromium, "
            "or set CORRIDORS_CHROMIUM=/path/to/chromium, or CORRIDORS_INSTALL_CHROMIUM=1 as root)"
        )
    return path


def external_refs(text: str) -> list[str]:
    """Every src/href/url()/@import that is not an in-file reference (data: or #anchor)."""
    refs = re.findall(r"""(?:src|href|xlink:href|action)\s*=\s*["']?([^"'\s>]+)""", text, re.I)
    refs += re.findall(r"url\(\s*['\"]?([^)'\"]+)", text, re.I)
    refs += re.findall(r"@import\s+['\"]?([^;'\"]+)", text, re.I)
    return [r for r in refs if not r.startswith(("data:", "#"))]


def test_report_is_self_contained(dirs: dict[str, Path]) -> None:
    path = write_report(dirs["closed"], compare=dirs["open"])
    assert path == dirs["closed"] / "report.html"
    text = path.read_text(encoding="utf-8")
    assert external_refs(text) == []
    assert "http://" not in text and "https://" not in text
    assert "<link" not in text and "<iframe" not in text
    assert "default-src 'none'" in text  # CSP: the browser refuses any request
    assert text.count('src="data:image/png;base64,') == 2  # map and before/after


def test_report_key_figures(dirs: dict[str, Path]) -> None:
    rd = load_result_dir(dirs["closed"])
    text = build_report(rd)
    # hand-checked: supply 8 Mt x 10 + transport 6x2 + 2x10 + shortage 2 x 1000 (USD)
    assert rd.result.objective == pytest.approx(80 + 12 + 20 + 2000)
    assert "Shortfall of consumption" in text and "85 PJ" in text  # 2 Mt x 42.3 PJ/Mt
    assert "20.0% of consumption" in text
    assert "shortfall / consumption" in text  # the regional table says what its share is of
    assert "the share of the region&#x27;s own consumption" in text
    assert "over one year, not discounted (one period)" in text  # the cost's basis
    # no reserves in this scenario: stock 0 -> 0 days of cover (from summary.json)
    assert 'Days of cover</div><div class="v bad">0 d</div>' in text
    assert "Largest chokepoint exposure" in text
    # the chokepoints table: b is closed, c carries 2 of 8 Mt imported
    assert "disrupted (0% available)" in text and "25.0%" in text
    assert "Demand region (south)" in text


def test_report_names_are_escaped(dirs: dict[str, Path]) -> None:
    text = build_report(load_result_dir(dirs["open"]))
    assert "<script>alert" not in text
    assert "Strait &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;co&quot;" in text
    assert len(re.findall(r"<script\b", text)) == 2  # map data (JSON) + map code, nothing else
    assert EVIL.replace("<", "\\u003c").replace(">", "\\u003e")[:20] in text


def test_report_shows_diversity_when_present(dirs: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "with_div"
    shutil.copytree(dirs["open"], copy)
    summary = json.loads((copy / "summary.json").read_text())
    summary["diversity"] = {"all": {"hhi_supplier": 0.4321, "share_mode": {"sea": 0.4}}}
    (copy / "summary.json").write_text(json.dumps(summary))
    text = build_report(load_result_dir(copy))
    assert "Diversification" in text and "0.432" in text and "share mode.sea" in text
    summary.pop("diversity")
    summary.get("metrics", {}).pop("diversity", None)
    (copy / "summary.json").write_text(json.dumps(summary))
    assert "Diversification" not in build_report(load_result_dir(copy))


def test_report_bad_input(dirs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(CorridorsError, match="result folder not found"):
        write_report(tmp_path / "missing")
    broken = tmp_path / "broken"
    shutil.copytree(dirs["open"], broken)
    (broken / "summary.json").unlink()
    with pytest.raises(CorridorsError, match="incomplete result folder: missing summary.json"):
        write_report(broken)
    (broken / "summary.json").write_text("{not json")
    with pytest.raises(CorridorsError, match="summary.json: cannot read JSON"):
        write_report(broken)


def _blank(png: bytes) -> tuple[float, int]:
    arr = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    colours, counts = np.unique(arr, axis=0, return_counts=True)
    return 1.0 - counts.max() / counts.sum(), len(colours)


def test_report_in_headless_chromium(dirs: dict[str, Path], chromium: str) -> None:
    path = write_report(dirs["closed"], compare=dirs["open"])
    page = open_page(chromium, path)
    try:
        assert page.console_errors == []
        assert page.exceptions == []
        assert page.requests == []
        busy, ncolours = _blank(page.screenshot)
        assert busy > 0.05 and ncolours > 30, "screenshot is (nearly) blank"
        assert page.evaluate("document.title").startswith("Briefing")
        # the embedded map image decoded and has its natural size
        widths = page.evaluate("[...document.images].map(i => i.naturalWidth)")
        assert len(widths) == 2 and min(widths) > 1000
        # hover over a flow: the tooltip names the flow and the capacity
        tip = page.evaluate(
            """(() => {
              const el = document.querySelector('#cmap .fl:not(.idle)');
              const r = el.getBoundingClientRect();
              el.dispatchEvent(new PointerEvent('pointermove', {bubbles: true,
                clientX: r.left + r.width / 2, clientY: r.top + r.height / 2}));
              const t = document.querySelector('#cmap .cmap-tip');
              return t.hidden ? '' : t.textContent;
            })()"""
        )
        assert "Flow:" in tip and "Capacity:" in tip and "crude oil" in tip
        # zoom with the wheel, then reset
        vb = page.evaluate(
            """(() => {
              const svg = document.querySelector('#cmap svg');
              const before = svg.getAttribute('viewBox');
              const r = svg.getBoundingClientRect();
              svg.dispatchEvent(new WheelEvent('wheel', {deltaY: -300, bubbles: true,
                cancelable: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2}));
              const after = svg.getAttribute('viewBox');
              document.querySelector('#cmap [data-z=reset]').click();
              return [before, after, svg.getAttribute('viewBox')];
            })()"""
        )
        before, zoomed, reset = vb
        assert float(zoomed.split()[2]) < float(before.split()[2])
        assert reset == before
        page.collect()
        assert page.console_errors == [] and page.exceptions == [] and page.requests == []
    finally:
        assert page.cdp is not None
        page.cdp.close()


def test_map_html_in_headless_chromium(
    dirs: dict[str, Path], chromium: str, tmp_path: Path
) -> None:
    rd = load_result_dir(dirs["closed"])
    path = webmap.write_html_map(rd.result, tmp_path / "map.html")
    page = open_page(chromium, path, width=1000, height=700)
    try:
        assert page.console_errors == [] and page.exceptions == [] and page.requests == []
        busy, ncolours = _blank(page.screenshot)
        assert busy > 0.2 and ncolours > 30
        label = page.evaluate(
            "[...document.querySelectorAll('#cmap .lb')].map(t => t.textContent).join('|')"
        )
        assert f"{EVIL} closed" in label.split("|")  # escaped in the file, shown as written
    finally:
        assert page.cdp is not None
        page.cdp.close()
