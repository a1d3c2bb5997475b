"""The interactive map of a result: a self-contained HTML page (or fragment for the report).

An inline SVG of the projected basemap, flows and nodes (same frame, projection and colours as
the static maps in :mod:`corridors.outputs.maps`) with inline JavaScript for pan (drag), zoom (wheel,
buttons), reset (double-click) and hover tooltips. Everything is embedded; nothing is fetched.

Frame and basemap come from :mod:`corridors.outputs.geo`, colours and texts from
:mod:`corridors.outputs.style`; no matplotlib here.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from corridors.core.results import Result
from corridors.io.files import atomic_write
from corridors.outputs.geo import line_parts, make_frame, projected_basemap
from corridors.outputs.layers import chokepoint_table, link_flows, node_table, years
from corridors.outputs.style import (
    CHOKE,
    CUT,
    INK,
    SOURCE_LINE,
    headline_text,
    make_style,
    short_label,
)


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


def interactive_map(result: Result, colour_by: str = "commodity", dom_id: str = "cmap") -> str:
    """An HTML fragment: an SVG map with inline JavaScript for pan (drag), zoom (wheel,
    buttons), reset (double-click) and hover tooltips (flow, capacity, commodity).

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
    for r in nodes.itertuples():
        if r.kind != "chokepoint" and r.demand_pj <= 0 and r.supplied_pj <= 0:
            continue
        p = frame.project(r.geometry)
        i = len(data)
        item = {"t": "node", "name": r.name or r.id, "kind": r.kind, "country": r.country}
        if r.kind == "chokepoint":
            c = chokes.loc[r.id]
            item["share"] = f"{c['share_energy']:.1%} of energy imports"
            item["throughput"] = f"{_fmt(c['throughput_pj'] / years(result))} PJ/yr"
            cap = c["capacity_pj_per_year"]
            item["capacity"] = f"{_fmt(cap)} PJ/yr" if np.isfinite(cap) else "unlimited"
            fill, shape = (CUT, "cut") if r.disrupted else (CHOKE, "ch")
        elif r.demand_pj > 0:
            item["demand"] = f"{_fmt(r.demand_pj / years(result))} PJ/yr"
            item["unmet"] = f"{_fmt(r.unmet_pj)} PJ ({r.unmet_share:.1%})"
            fill, shape = (CUT if r.unmet_pj > 1e-6 else INK), "dem"
        else:
            item["supplied"] = f"{_fmt(r.supplied_pj / years(result))} PJ/yr"
            fill, shape = "#4a4a4a", "sup"
        if r.disrupted:
            item["state"] = f"disrupted (availability {r.availability_min:.0%})"
        data.append(item)
        parts.append(
            f'<circle class="nd {shape}" data-i="{i}" data-r="{_NODE_R[shape]}" '
            f'cx="{sx(p.x)}" cy="{sy(p.y)}" r="{_NODE_R[shape]}" fill="{fill}"/>'
        )
        if r.kind == "chokepoint":
            s = float(chokes.loc[r.id, "share_energy"])
            state = f"{s:.0%}"
            if r.disrupted:
                state = "closed" if r.availability_min <= 1e-9 else f"at {r.availability_min:.0%}"
            text = html.escape(f"{short_label(r.name, r.id)} {state}")
            parts.append(
                f'<text class="lb" data-x="{sx(p.x)}" data-y="{sy(p.y)}" x="{sx(p.x) + 6}" '
                f'y="{sy(p.y) - 6}">{text}</text>'
            )
    legend = "".join(
        f'<span><i style="background:{html.escape(style.colours[k])}"></i>'
        f"{html.escape(style.label(k))}</span>"
        for k in style.colours
        if k in set(lf.loc[lf["flow"] > 1e-9].apply(style.key, axis=1))
    )
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
        f'<div class="cmap-legend">{legend}<span><i class="dash"></i>disrupted</span>'
        f"<span>drag to pan · wheel to zoom · hover for figures</span></div>"
        f"</div>"
        f'<script type="application/json" id="{dom_id}-data">{_json_script(data)}</script>'
        f"<script>{script}</script>"
    )


_NODE_R = {"ch": 4.5, "cut": 6.0, "dem": 4.0, "sup": 2.5}

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
.cmap-tools{position:absolute;top:8px;right:8px;display:flex;flex-direction:column;gap:4px;z-index:2}
.cmap-tools button{width:30px;height:30px;font-size:18px;border:1px solid #999;background:#fff;
  border-radius:4px;cursor:pointer}
.cmap-tip{position:absolute;z-index:3;pointer-events:none;background:rgba(255,255,255,.96);
  border:1px solid #888;border-radius:4px;padding:6px 8px;font:12px/1.35 sans-serif;
  box-shadow:0 2px 6px rgba(0,0,0,.25);max-width:320px}
.cmap-tip b{display:block;margin-bottom:2px}
.cmap-legend{position:absolute;left:8px;bottom:8px;background:rgba(255,255,255,.9);
  padding:4px 8px;font:11px sans-serif;border-radius:4px;display:flex;gap:10px;flex-wrap:wrap}
.cmap-legend i{display:inline-block;width:18px;height:4px;margin-right:4px;vertical-align:middle}
.cmap-legend i.dash{background:repeating-linear-gradient(90deg,#d62728 0 5px,transparent 5px 8px)}
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
  function apply() {
    svg.setAttribute("viewBox", vb.join(" "));
    var s = vb[2] / base[2];
    for (var i = 0; i < scaled.length; i++) {
      scaled[i].setAttribute("r", (+scaled[i].getAttribute("data-r") * s).toFixed(3));
    }
    for (var j = 0; j < labels.length; j++) {
      var l = labels[j];
      l.setAttribute("x", (+l.getAttribute("data-x") + 6 * s).toFixed(2));
      l.setAttribute("y", (+l.getAttribute("data-y") - 6 * s).toFixed(2));
      l.style.fontSize = (11 * s).toFixed(3) + "px";
      l.style.strokeWidth = (3 * s).toFixed(3) + "px";
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
    share: "Share", throughput: "Throughput", demand: "Demand", unmet: "Unmet",
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
p.sub{color:#555;margin:0 0 12px}
"""


def write_html_map(result: Result, path: Path, colour_by: str = "commodity") -> Path:
    """A standalone interactive map page (works offline)."""
    sc = result.scenario
    body = (
        f"<h1>Energy import flows — {html.escape(sc.name)}</h1>"
        f'<p class="sub">{html.escape(headline_text(result))}</p>'
        f"{interactive_map(result, colour_by)}"
        f'<p class="sub">{html.escape(SOURCE_LINE)}.</p>'
    )
    text = page(f"{sc.name} — flow map", body, _PAGE_CSS)
    atomic_write(Path(path), lambda p: p.write_text(text, encoding="utf-8"))
    return Path(path)


__all__ = ["MAP_CSS", "interactive_map", "page", "write_html_map"]
