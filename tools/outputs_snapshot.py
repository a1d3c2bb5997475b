"""Snapshot every output file of the reference scenarios, and compare two snapshots.

Used to show that a refactor changes no result: take a snapshot on the commit before the change
and one after, then compare them. Timings, timestamps and absolute paths are ignored; every other
byte must match (numbers in CSV/JSON are compared as written, not rounded).

    python tools/outputs_snapshot.py make /tmp/before      # on the old commit
    python tools/outputs_snapshot.py make /tmp/after       # on the new commit
    python tools/outputs_snapshot.py diff /tmp/before /tmp/after

The commands are run through ``python -m corridors`` in the current checkout, so the script
itself depends on nothing inside the package.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["baseline", "malacca_closure", "hormuz_closure", "outlook_2030",
             "hormuz_60d_reserves", "expansion_2030"]  # fmt: skip

MONTE_CARLO_YAML = """name: mc_snapshot
extends: {base}
disruptions:
  - {{target: hormuz, capacity_factor: 0.0, probability: 0.05}}
  - {{target: malacca, capacity_factor: 0.5, probability: 0.1}}
  - {{target: power_of_siberia_1, capacity_factor: 0.0, probability: 0.2}}
"""

# keys whose values are timings, timestamps or machine paths
VOLATILE_KEYS = {
    "seconds", "elapsed", "elapsed_s", "solve_seconds", "build_seconds", "created", "timestamp",
    "time", "wall_seconds", "started", "finished", "scenario_path", "python", "platform",
    "corridors_version", "solve_time", "runtime", "versions", "host", "pid", "timings",
    "milp_seconds", "load_s", "build_s", "solve_s", "total_solve_s",
    "scenario_sha256",  # hashes the scenario with its resolved absolute paths
}  # fmt: skip


def commands(out: Path) -> list[list[str]]:
    """The CLI invocations whose outputs make up a snapshot."""
    s = ROOT / "scenarios"
    r = out
    cmds: list[list[str]] = []
    for name in SCENARIOS:
        cmds.append(["run", str(s / f"{name}.yaml"), "--out", str(r / "run" / name)])
    base = str(s / "baseline.yaml")
    cmds += [
        ["sweep", base, "--k", "2", "--elements", "chokepoint,pipeline,supplier",
         "--out", str(r / "sweep_k2")],
        ["sweep", str(r / "mc.yaml"), "--monte-carlo", "300", "--seed", "7",
         "--out", str(r / "sweep_mc")],
        ["n1", base, "--area", "CHN", "--peak-factor", "1.3", "--out", str(r / "n1")],
        ["interdict", base, "--k", "2", "--elements", "chokepoint,pipeline,supplier",
         "--runners-up", "2", "--out", str(r / "interdict")],
        ["interdict", base, "--k", "1", "--objective", "cost", "--out", str(r / "interdict_cost")],
        ["expand", str(s / "expansion_2030.yaml"), "--mode", "both",
         "--frontier", "0,10000,40000", "--out", str(r / "expand")],
        ["compare", str(r / "run" / "baseline"), str(r / "run" / "hormuz_closure"),
         str(r / "run" / "malacca_closure"), "--out", str(r / "compare")],
        ["frontier", base, "--metric", "share:chokepoint:malacca", "--range", "0.7:0.5:3",
         "--out", str(r / "frontier")],
        ["map", str(r / "run" / "hormuz_closure"), "--format", "png,svg,geojson,html",
         "--compare", str(r / "run" / "baseline"), "--out", str(r / "map_compare")],
        ["map", str(r / "run" / "hormuz_60d_reserves"), "--format", "png,geojson",
         "--colour-by", "corridor", "--out", str(r / "map_weekly")],
        ["report", str(r / "run" / "malacca_closure"), "--compare", str(r / "run" / "baseline"),
         "--out", str(r / "report" / "malacca.html")],
        ["report", str(r / "run" / "hormuz_60d_reserves"), "--out", str(r / "report" / "weekly.html")],
    ]  # fmt: skip
    return cmds


def make(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "mc.yaml").write_text(MONTE_CARLO_YAML.format(base=ROOT / "scenarios" / "baseline.yaml"))
    log = []
    for cmd in commands(out):
        p = subprocess.run(
            [sys.executable, "-m", "corridors", "--quiet", *cmd],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        log.append({"cmd": cmd[0], "rc": p.returncode})
        print(f"{p.returncode}  {' '.join(cmd[:2])}", flush=True)
        if p.returncode not in (0, 1):
            print(p.stderr, file=sys.stderr)
    (out / "returncodes.json").write_text(json.dumps(log, indent=1))


def _scrub_json(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: ("<volatile>" if k in VOLATILE_KEYS else _scrub_json(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_scrub_json(v) for v in obj]
    if isinstance(obj, str) and ("/tmp/" in obj or "/work/" in obj):
        return "<path>"
    return obj


_NOISE = [
    re.compile(rb"/(tmp|work)/[^\s\"'<>,]*"),  # absolute paths
    re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?"),  # ISO timestamps
    re.compile(rb"<dc:date>[^<]*</dc:date>"),  # SVG metadata
    re.compile(rb"fingerprint [0-9a-f]{12}"),  # the scenario hash includes absolute paths
    re.compile(rb"#[mp][0-9a-f]{10}\b|id=\"[mp][0-9a-f]{10}\""),  # matplotlib's random SVG ids
    re.compile(rb"\d+(\.\d+)? s\b"),  # "(1.2 s)" in reports
    re.compile(rb"id=\"[0-9a-f]{6,}\"|#[0-9a-f]{12,}\b"),  # matplotlib's random SVG ids
]


def _scrub_bytes(data: bytes) -> bytes:
    for pat in _NOISE:
        data = pat.sub(b"<x>", data)
    return data


def _csv_without_timing(data: bytes) -> bytes:
    lines = data.splitlines()
    if not lines:
        return data
    header = lines[0].split(b",")
    drop = [i for i, h in enumerate(header) if h.decode() in VOLATILE_KEYS]
    if not drop:
        return data
    keep = [i for i in range(len(header)) if i not in drop]
    return b"\n".join(b",".join(row.split(b",")[i] for i in keep) for row in lines)


def normalise(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".json":
        return json.dumps(_scrub_json(json.loads(data)), indent=1, sort_keys=True).encode()
    if path.suffix == ".csv":
        return _scrub_bytes(_csv_without_timing(data))
    if path.suffix in {".svg", ".html", ".md", ".geojson", ".yaml", ".txt"}:
        return _scrub_bytes(data)
    return data


def _gpkg_layers(path: Path) -> bytes:
    """Every layer of a GeoPackage as text (the file itself embeds creation times)."""
    import geopandas as gpd
    import pyogrio

    parts = []
    for name, _geom in pyogrio.list_layers(path):
        df = gpd.read_file(path, layer=name)
        parts.append(f"== {name}\n{df.to_csv(index=False)}")
    return "\n".join(parts).encode()


def diff(a: Path, b: Path) -> int:
    fa = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    fb = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    bad = 0
    for rel in sorted(fa ^ fb):
        print(f"only in {'before' if rel in fa else 'after'}: {rel}")
        bad += 1
    skipped = []
    for rel in sorted(fa & fb):
        if rel.suffix in {".pdf", ".lock"}:
            skipped.append(str(rel))  # PDF embeds its creation time
            continue
        if rel.suffix == ".gpkg":
            same = _gpkg_layers(a / rel) == _gpkg_layers(b / rel)
        else:
            same = normalise(a / rel) == normalise(b / rel)
        if not same:
            print(f"differs: {rel}")
            bad += 1
    print(
        f"{len(fa & fb)} files in both, {bad} differences, not compared: {', '.join(skipped) or '-'}"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(Path(sys.argv[2]).resolve())
    elif len(sys.argv) == 4 and sys.argv[1] == "diff":
        sys.exit(diff(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        sys.exit(__doc__)
