"""The interactive map of a result: a self-contained HTML page (or fragment for the report).

An inline SVG of the projected basemap, flows and nodes (same frame, projection and colours as
the static maps in :mod:`corridors.outputs.maps`) with inline JavaScript for pan (drag), zoom (wheel,
buttons), reset (double-click) and hover tooltips. Everything is embedded; nothing is fetched.

Demand regions short of consumption (demand entries of purpose ``consumption``) get a red
circle (area ∝ PJ, the static map's scale) and a label with the shortfall and its share of the
region's consumption; stock building given up at reserve sites (purpose ``stock_building``) is
a grey dashed circle without a label: it is not a shortage. The subtitle states both, each on
its basis. These texts and splits are the static map's
(:func:`~corridors.outputs.maps_text.headline_lines`,
:func:`~corridors.outputs.maps_text.unmet_by_node`,
:func:`~corridors.outputs.maps_text.shortfall_labels`), so both maps say the same. Labels are
placed by :mod:`corridors.outputs.webmap_labels`.

Frame and basemap come from :mod:`corridors.outputs.geo`, colours and texts from
:mod:`corridors.outputs.style` and :mod:`corridors.outputs.maps_text`; nothing is drawn with
matplotlib here.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from corridors.analysis.compare import percent, qty
from corridors.analysis.metrics import stock_building_rows
from corridors.core.results import Result
from corridors.io.files import atomic_write
from corridors.outputs.geo import line_parts, make_frame, projected_basemap
from corridors.outputs.layers import chokepoint_table, link_flows, node_table, years
from corridors.outputs.maps_panel import GIVEN_UP
from corridors.outputs.maps_text import headline_lines, shortfall_labels, unmet_by_node
from corridors.outputs.style import (
    CHOKE,
    CUT,
    INK,
    NICE_NAMES,
    SOURCE_LINE,
    make_style,
    period_text,
    short_label,
)
from corridors.outputs.webmap_labels import _FONT as _FONT
from corridors.outputs.webmap_labels import _Label as _Label
from corridors.outputs.webmap_labels import _overlap as _overlap
from corridors.outputs.webmap_labels import _place_labels as _place_labels
from corridors.units import DAYS_PER_YEAR


def _json_script(obj: Any) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' that could end the element."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _fmt(v: float, unit: str = "") -> str:
    if v is None or not np.isfinite(v):
        return "unlimited"
    s = f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"
    return f"{s} {unit}".strip()


def _node_texts(result: Result) -> dict[str, dict[str, str]]:
    """Per node, the tooltip lines of its demand over the horizon, per commodity in its unit:
    ``consumption`` and its ``shortfall`` (with the share of the node's consumption), and
    apart ``building`` (stock building planned) and ``given_up`` (not a shortage)."""
    un = result.unmet
    if not result.has_solution or un.empty:
        return {}
    com = result.scenario.commodities
    h = result.scenario.horizon
    days = h.periods * h.period_days
    over = "" if days == DAYS_PER_YEAR else f" over {days:g} days"
    g = (
        un.assign(_b=stock_building_rows(result).to_numpy())
        .groupby(["node", "_b", "commodity"], sort=False)[["demand", "unmet"]]
        .sum()
    )
    lines: dict[str, dict[str, list[str]]] = {}
    for (node, building, c), row in g.iterrows():
        unit = com[c].unit if c in com else ""
        name = NICE_NAMES.get(c, str(c).replace("_", " "))
        dem, miss = float(row["demand"]), float(row["unmet"])
        share = miss / dem if dem > 0 else float("nan")
        d = lines.setdefault(str(node), {})
        if building:
            d.setdefault("building", []).append(f"{qty(dem, unit)} {name}{over}")
            if miss > 1e-6:
                d.setdefault("given_up", []).append(
                    f"{qty(miss, unit)} {name} ({percent(share)} of it; not a shortage)"
                )
        else:
            d.setdefault("consumption", []).append(f"{qty(dem, unit)} {name}{over}")
            if miss > 1e-6:
                d.setdefault("shortfall", []).append(
                    f"{qty(miss, unit)} {name} = {percent(share)} of its consumption"
                )
    out: dict[str, dict[str, str]] = {}
    for node, d in lines.items():
        out[node] = {k: " · ".join(v) for k, v in d.items()}
        if "consumption" in d and "shortfall" not in d:
            out[node]["shortfall"] = "none"
    return out


_HALO = 0.5 * 1000 / 740
"""SVG units per point of the static map's marker size: its map is ~740 pt wide, this one 1000."""


_LEGEND = {
    "region": '<span><i class="pt" style="background:#222222"></i>demand region</span>',
    "short": '<span><i class="ring short"></i>shortfall of consumption (area ∝ PJ; '
    "labelled with its share of the region's consumption)</span>",
    "site": f'<span><i class="pt" style="background:{GIVEN_UP}"></i>reserve site</span>',
    "given": '<span><i class="ring given"></i>stock building given up (not a shortage)</span>',
    "cut": '<span><i class="dash"></i>disrupted</span>',
}


def interactive_map(result: Result, colour_by: str = "commodity", dom_id: str = "cmap") -> str:
    """An HTML fragment: an SVG map with inline JavaScript for pan (drag), zoom (wheel,
    buttons), reset (double-click) and hover tooltips (flow, capacity, commodity; a region's
    consumption and shortfall, a reserve site's stock building and what of it was given up),
    followed by its legend (below the map, so that it hides nothing).

    Everything is embedded; nothing is fetched. Names from the data are escaped (text nodes
    are set with ``textContent``; JSON in the script has ``<``, ``>``, ``&`` escaped).
    """
    frame = make_frame([result])
    style = make_style([result], colour_by)
    x0, y0, x1, y1 = frame.limits
    W = 1000.0
    k = W / (x1 - x0)
    H = round((y1 - y0) * k, 1)

    def sx(x: float) -> float:
        return round((x - x0) * k, 1)

    def sy(y: float) -> float:
        return round((y1 - y) * k, 1)

    def path_d(coords: np.ndarray, close: bool = False) -> str:
        if len(coords) < 2:
            return ""
        pts = " ".join(f"{sx(x)},{sy(y)}" for x, y in coords[:, :2])
        return f"M{pts}{'Z' if close else ''}"

    parts: list[str] = []
    world = projected_basemap(result, frame)
    if world is not None:
        tol = (x1 - x0) / W * 0.6
        ds = []
        for g in world.simplify(tol):
            polys = getattr(g, "geoms", [g])
            for p in polys:
                if p.is_empty or p.geom_type != "Polygon":
                    continue
                ds.append(path_d(np.asarray(p.exterior.coords), True))
                ds.extend(path_d(np.asarray(r.coords), True) for r in p.interiors)
        parts.append(f'<path class="land" d="{" ".join(d for d in ds if d)}"/>')

    lf = link_flows(result)
    lf = lf[lf["mode"] != "conversion"]
    data: list[dict[str, Any]] = []
    lf = lf.assign(_o=lf["pj_per_year"]).sort_values("_o", ascending=False)
    for _, row in lf.iterrows():
        segs = line_parts(frame.project(row.geometry))
        d = " ".join(path_d(s) for s in segs)
        if not d:
            continue
        used = row["flow"] > 1e-9
        colour = style.colours.get(style.key(row), "#8c8c8c") if used else "#9aa5ad"
        w = float(style.width(row["pj_per_year"])) if used else 0.8
        cls = "fl" + (" idle" if not used else "") + (" cut" if row["disrupted"] else "")
        i = len(data)
        data.append(
            {
                "t": "link",
                "name": row["name"] or row["id"],
                "route": f"{row['from_name']} → {row['to_name']}",
                "commodity": str(row["commodity"]).replace("_", " "),
                "mode": row["mode"],
                "corridor": row["corridor"] or "",
                "flow": f"{_fmt(row['flow_per_year'], row['unit'])}/yr ({_fmt(row['pj_per_year'])} PJ/yr)",
                "capacity": (
                    f"{_fmt(row['capacity_per_year'], row['unit'])}/yr"
                    if np.isfinite(row["capacity_per_year"])
                    else "unlimited"
                ),
                "use": (f"{row['utilisation']:.0%}" if np.isfinite(row["utilisation"]) else "n/a"),
                "state": (
                    f"disrupted (availability {row['availability_min']:.0%})"
                    if row["disrupted"]
                    else ""
                ),
            }
        )
        dash = ' stroke-dasharray="5 3"' if row["disrupted"] else ""
        stroke = CUT if row["disrupted"] and not used else colour
        parts.append(
            f'<path class="{cls}" data-i="{i}" d="{d}" stroke="{stroke}" '
            f'stroke-width="{w:.2f}"{dash}/>'
        )
    nodes = node_table(result)
    chokes = chokepoint_table(result).set_index("id")
    split = unmet_by_node(result).reindex(nodes["id"]).fillna(0.0)
    short_texts = shortfall_labels(result)
    by_node = _node_texts(result)
    ref = max(float(split["consumption"].max()) if len(split) else 0.0, 1e-9)

    def halo(pj: float) -> float:  # the static map's area scale, as a radius in SVG units
        return round(_HALO * math.sqrt(60 + 1400 * pj / ref), 2)

    halos: list[str] = []
    markers: list[str] = []
    labels: list[_Label] = []
    obstacles: list[tuple[float, float, float]] = []
    shown: set[str] = set()
    for r in nodes.itertuples():
        sp = split.loc[r.id]
        cons, short = float(sp["consumption"]), float(sp["shortfall"])
        building, given = float(sp["stock_building"]), float(sp["given_up"])
        if r.kind != "chokepoint" and cons <= 0 and building <= 0 and r.supplied_pj <= 0:
            continue
        p = frame.project(r.geometry)
        x, y = sx(p.x), sy(p.y)
        i = len(data)
        item: dict[str, Any] = {
            "t": "node",
            "name": r.name or r.id,
            "kind": r.kind,
            "country": r.country,
        }
        item.update(by_node.get(r.id, {}))
        r_mark = 0.0
        if r.kind == "chokepoint":
            c = chokes.loc[r.id]
            item["share"] = f"{c['share_energy']:.1%} of energy imports"
            item["throughput"] = f"{_fmt(c['throughput_pj'] / years(result))} PJ/yr"
            cap = c["capacity_pj_per_year"]
            item["capacity"] = f"{_fmt(cap)} PJ/yr" if np.isfinite(cap) else "unlimited"
            fill, shape = (CUT, "cut") if r.disrupted else (CHOKE, "ch")
        elif cons > 0:
            fill, shape = INK, "dem"
            shown.add("region")
        elif building > 0:  # a reserve site that only builds stocks: muted, never red
            fill, shape = GIVEN_UP, "site"
            shown.add("site")
        else:
            fill, shape = "#4a4a4a", "sup"
        if r.kind != "chokepoint" and r.supplied_pj > 0:
            item["supplied"] = f"{_fmt(r.supplied_pj / years(result))} PJ/yr"
        if r.disrupted:
            item["state"] = f"disrupted (availability {r.availability_min:.0%})"
        data.append(item)
        if given > 1e-6:  # stock building given up: grey, dashed, beneath any shortfall
            halos.append(
                f'<circle class="halo given" data-i="{i}" data-r="{halo(given)}" cx="{x}" '
                f'cy="{y}" r="{halo(given)}"/>'
            )
            shown.add("given")
        if short > 1e-6:
            r_mark = halo(short)
            halos.append(
                f'<circle class="halo short" data-i="{i}" data-r="{r_mark}" cx="{x}" cy="{y}" '
                f'r="{r_mark}"/>'
            )
            shown.add("short")
            labels.append(
                _Label(
                    x,
                    y,
                    f"{short_label(r.name, r.id)}: {short_texts.get(r.id, '')}",
                    "short",
                    2e9 + short,
                    r_mark,
                )
            )
        markers.append(
            f'<circle class="nd {shape}" data-i="{i}" data-r="{_NODE_R[shape]}" '
            f'cx="{x}" cy="{y}" r="{_NODE_R[shape]}" fill="{fill}"/>'
        )
        obstacles.append((x, y, _NODE_R[shape]))
        if r.kind == "chokepoint":
            s = float(chokes.loc[r.id, "share_energy"])
            state = f"{s:.0%}"
            if r.disrupted:
                state = "closed" if r.availability_min <= 1e-9 else f"at {r.availability_min:.0%}"
            labels.append(
                _Label(
                    x,
                    y,
                    f"{short_label(r.name, r.id)} {state}",
                    "cut" if r.disrupted else "",
                    (1e9 if r.disrupted else 0.0) + s,
                    _NODE_R[shape],
                )
            )
    parts += halos + markers
    parts += _place_labels(labels, obstacles, W, H)
    legend = "".join(
        f'<span><i style="background:{html.escape(style.colours[k])}"></i>'
        f"{html.escape(style.label(k))}</span>"
        for k in style.colours
        if k in set(lf.loc[lf["flow"] > 1e-9].apply(style.key, axis=1))
    )
    if bool(lf["disrupted"].any()) or bool(nodes["disrupted"].any()):
        shown.add("cut")
    legend += "".join(_LEGEND[k] for k in _LEGEND if k in shown)
    svg = (
        f'<svg viewBox="0 0 {W:g} {H:g}" '
        f'role="img" aria-label="{html.escape(result.scenario.name)} flow map">'
        f'<rect class="sea" x="-5000" y="-5000" width="11000" height="11000"/>'
        f"{''.join(parts)}</svg>"
    )
    script = _JS.replace("__ID__", dom_id)
    return (
        f'<div class="cmap" id="{dom_id}" style="--ratio:{W / H:.4f}">'
        f'<div class="cmap-tools"><button type="button" data-z="in" title="Zoom in">+</button>'
        f'<button type="button" data-z="out" title="Zoom out">−</button>'
        f'<button type="button" data-z="reset" title="Reset view">⟲</button></div>'
        f"{svg}"
        f'<div class="cmap-tip" hidden></div>'
        f"</div>"
        f'<div class="cmap-legend" id="{dom_id}-legend">{legend}'
        f"<span>drag to pan · wheel to zoom · hover for figures</span></div>"
        f'<script type="application/json" id="{dom_id}-data">{_json_script(data)}</script>'
        f"<script>{script}</script>"
    )


_NODE_R = {"ch": 4.5, "cut": 6.0, "dem": 4.0, "sup": 2.5, "site": 2.5}

MAP_CSS = """
.cmap{position:relative;border:1px solid #c8c8c8;background:#dde9f3;overflow:hidden;
  aspect-ratio:var(--ratio);max-height:80vh;touch-action:none;user-select:none}
.cmap svg{width:100%;height:100%;display:block;cursor:grab}
.cmap svg.drag{cursor:grabbing}
.cmap .sea{fill:#dde9f3}
.cmap .land{fill:#f5f2ea;stroke:#a8a8a8;stroke-width:.5;vector-effect:non-scaling-stroke}
.cmap .fl{fill:none;stroke-linecap:round;stroke-linejoin:round;opacity:.85;
  vector-effect:non-scaling-stroke}
.cmap .fl.idle{opacity:.6;stroke-dasharray:3 3}
.cmap .fl:hover,.cmap .nd:hover{opacity:1;filter:drop-shadow(0 0 2px #000)}
.cmap .nd{stroke:#fff;stroke-width:1;vector-effect:non-scaling-stroke}
.cmap .nd.ch,.cmap .nd.cut{stroke:#222}
.cmap .lb{font:11px sans-serif;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3px;
  pointer-events:none}
.cmap .lb.short,.cmap .lb.cut{fill:#d62728;font-weight:bold}
.cmap .ld{stroke:#444;stroke-width:.9;vector-effect:non-scaling-stroke;pointer-events:none}
.cmap .ld.short,.cmap .ld.cut{stroke:#d62728}
.cmap .halo{vector-effect:non-scaling-stroke}
.cmap .halo.short{fill:rgba(214,39,40,.18);stroke:#d62728;stroke-width:1.6}
.cmap .halo.given{fill:rgba(138,138,138,.12);stroke:#8a8a8a;stroke-width:1;stroke-dasharray:3 2}
.cmap .nd.site{stroke-width:.6}
.cmap-tools{position:absolute;top:8px;right:8px;display:flex;flex-direction:column;gap:4px;z-index:2}
.cmap-tools button{width:30px;height:30px;font-size:18px;border:1px solid #999;background:#fff;
  border-radius:4px;cursor:pointer}
.cmap-tip{position:absolute;z-index:3;pointer-events:none;background:rgba(255,255,255,.96);
  border:1px solid #888;border-radius:4px;padding:6px 8px;font:12px/1.35 sans-serif;
  box-shadow:0 2px 6px rgba(0,0,0,.25);max-width:320px}
.cmap-tip b{display:block;margin-bottom:2px}
.cmap-legend{padding:5px 2px 0;font:11px sans-serif;color:#333;display:flex;gap:4px 12px;
  flex-wrap:wrap;align-items:center}
@media print{.cmap-legend{display:none}}
.cmap-legend i{display:inline-block;width:18px;height:4px;margin-right:4px;vertical-align:middle}
.cmap-legend i.dash{background:repeating-linear-gradient(90deg,#d62728 0 5px,transparent 5px 8px)}
.cmap-legend i.pt{width:7px;height:7px;border-radius:50%}
.cmap-legend i.ring{width:10px;height:10px;border-radius:50%;box-sizing:border-box}
.cmap-legend i.ring.short{background:rgba(214,39,40,.18);border:1.5px solid #d62728}
.cmap-legend i.ring.given{background:rgba(138,138,138,.12);border:1px dashed #8a8a8a}
"""

_JS = r"""
(function () {
  "use strict";
  var root = document.getElementById("__ID__");
  var svg = root.querySelector("svg");
  var tip = root.querySelector(".cmap-tip");
  var data = JSON.parse(document.getElementById("__ID__-data").textContent);
  var base = svg.getAttribute("viewBox").split(" ").map(Number);
  var vb = base.slice();
  var scaled = svg.querySelectorAll("[data-r]");
  var labels = svg.querySelectorAll(".lb");
  var leaders = svg.querySelectorAll(".ld");
  function apply() {
    svg.setAttribute("viewBox", vb.join(" "));
    var s = vb[2] / base[2];
    for (var i = 0; i < scaled.length; i++) {
      scaled[i].setAttribute("r", (+scaled[i].getAttribute("data-r") * s).toFixed(3));
    }
    // labels keep their size and their offset from the marker on screen
    for (var j = 0; j < labels.length; j++) {
      var l = labels[j];
      l.setAttribute("x", (+l.getAttribute("data-x") + +l.getAttribute("data-dx") * s).toFixed(2));
      l.setAttribute("y", (+l.getAttribute("data-y") + +l.getAttribute("data-dy") * s).toFixed(2));
      l.style.fontSize = (11 * s).toFixed(3) + "px";
      l.style.strokeWidth = (3 * s).toFixed(3) + "px";
    }
    for (var q = 0; q < leaders.length; q++) {
      var d = leaders[q];
      d.setAttribute("x2", (+d.getAttribute("data-x") + +d.getAttribute("data-dx") * s).toFixed(2));
      d.setAttribute("y2", (+d.getAttribute("data-y") + +d.getAttribute("data-dy") * s).toFixed(2));
    }
  }
  function toSvg(cx, cy) {
    var m = svg.getScreenCTM();
    if (!m) { return [vb[0] + vb[2] / 2, vb[1] + vb[3] / 2]; }
    var p = svg.createSVGPoint();
    p.x = cx; p.y = cy;
    var q = p.matrixTransform(m.inverse());
    return [q.x, q.y];
  }
  function zoom(f, cx, cy) {
    var w = vb[2] * f;
    if (w < base[2] / 40 || w > base[2] * 1.5) { return; }
    var p = (cx === undefined) ? [vb[0] + vb[2] / 2, vb[1] + vb[3] / 2] : toSvg(cx, cy);
    vb[0] = p[0] - (p[0] - vb[0]) * f;
    vb[1] = p[1] - (p[1] - vb[1]) * f;
    vb[2] = w;
    vb[3] = vb[3] * f;
    apply();
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    zoom(Math.exp(Math.max(-1, Math.min(1, e.deltaY * 0.002))), e.clientX, e.clientY);
  }, { passive: false });
  var drag = null;
  svg.addEventListener("pointerdown", function (e) {
    drag = { x: e.clientX, y: e.clientY, vb: vb.slice() };
    svg.classList.add("drag");
    if (svg.setPointerCapture) { svg.setPointerCapture(e.pointerId); }
  });
  svg.addEventListener("pointermove", function (e) {
    if (drag) {
      var r = svg.getBoundingClientRect();
      var s = Math.max(drag.vb[2] / r.width, drag.vb[3] / r.height);
      vb[0] = drag.vb[0] - (e.clientX - drag.x) * s;
      vb[1] = drag.vb[1] - (e.clientY - drag.y) * s;
      apply();
      return;
    }
    show(e);
  });
  function end() { drag = null; svg.classList.remove("drag"); }
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  svg.addEventListener("dblclick", function () { vb = base.slice(); apply(); });
  root.querySelector(".cmap-tools").addEventListener("click", function (e) {
    var z = e.target.getAttribute("data-z");
    if (z === "in") { zoom(0.7); } else if (z === "out") { zoom(1 / 0.7); }
    else if (z === "reset") { vb = base.slice(); apply(); }
  });
  var LABELS = { route: "Route", commodity: "Commodity", mode: "Mode", corridor: "Corridor",
    flow: "Flow", capacity: "Capacity", use: "Utilisation", kind: "Kind", country: "Country",
    share: "Share", throughput: "Throughput", consumption: "Consumption",
    shortfall: "Shortfall", building: "Stock building", given_up: "Given up",
    supplied: "Supplied", state: "State" };
  function show(e) {
    var el = e.target.closest ? e.target.closest("[data-i]") : null;
    if (!el) { tip.hidden = true; return; }
    var d = data[+el.getAttribute("data-i")];
    tip.textContent = "";
    var b = document.createElement("b");
    b.textContent = d.name;
    tip.appendChild(b);
    Object.keys(LABELS).forEach(function (k) {
      if (d[k] === undefined || d[k] === "") { return; }
      var line = document.createElement("div");
      line.textContent = LABELS[k] + ": " + d[k];
      tip.appendChild(line);
    });
    var r = root.getBoundingClientRect();
    var x = e.clientX - r.left + 14, y = e.clientY - r.top + 14;
    tip.hidden = false;
    if (x + tip.offsetWidth > r.width) { x = e.clientX - r.left - tip.offsetWidth - 10; }
    if (y + tip.offsetHeight > r.height) { y = e.clientY - r.top - tip.offsetHeight - 10; }
    tip.style.left = Math.max(0, x) + "px";
    tip.style.top = Math.max(0, y) + "px";
  }
  svg.addEventListener("pointerleave", function () { tip.hidden = true; });
  apply();
})();
"""


def page(title: str, body: str, css: str = "") -> str:
    """A complete, self-contained HTML document (no external resources)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{html.escape(title)}</title><style>{css}{MAP_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


_PAGE_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
  margin:0;padding:16px 24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 4px}
p.sub{color:#555;margin:0 0 2px}
p.sub2{color:#222;margin:0 0 12px}
"""


def write_html_map(result: Result, path: Path, colour_by: str = "commodity") -> Path:
    """A standalone interactive map page (works offline)."""
    sc = result.scenario
    first, second = headline_lines(result)
    body = (
        f"<h1>Energy import flows — {html.escape(sc.name)}</h1>"
        f'<p class="sub">Optimal flows over {html.escape(period_text(result))}: '
        f"{html.escape(first)}</p>"
        f'<p class="sub2">{html.escape(second[:1].upper() + second[1:])}</p>'
        f"{interactive_map(result, colour_by)}"
        f'<p class="sub">{html.escape(SOURCE_LINE)}.</p>'
    )
    text = page(f"{sc.name} — flow map", body, _PAGE_CSS)
    atomic_write(Path(path), lambda p: p.write_text(text, encoding="utf-8"))
    return Path(path)


__all__ = ["MAP_CSS", "interactive_map", "page", "write_html_map"]
