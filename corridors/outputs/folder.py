"""Write a result folder: the tables, summary.json, manifest.json, the map and the GeoPackage.

The names and columns of the folder's files, and its format version, are stated once in
:mod:`corridors.io.resultdir`; this module fills them from a :class:`Result`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corridors.analysis.diversity import diversity
from corridors.analysis.summary import manifest, summary
from corridors.core.results import Result
from corridors.core.session import Progress
from corridors.io.resultdir import FLOW_COLUMNS, UNMET_COLUMNS, write_folder


def write_outputs(result: Result, out: str | Path, progress: Progress | None = None) -> list[Path]:
    """Write summary.json, flows.csv, unmet.csv, the other tables, the map and the GeoPackage.

    Every file is written atomically. Returns the paths written.
    """
    say = progress or (lambda _msg: None)
    out = Path(out)
    say("writing tables")
    fl = result.flows
    extra = [c for c in fl.columns if c not in FLOW_COLUMNS]
    tables = {
        "flows.csv": fl[FLOW_COLUMNS + extra],
        "unmet.csv": result.unmet[
            UNMET_COLUMNS + [c for c in result.unmet.columns if c not in UNMET_COLUMNS]
        ],
        "supply.csv": result.supply,
        "storage.csv": result.storage,
        "prices.csv": result.prices,
        "binding.csv": result.binding,
        "diversity.csv": diversity(result),
    }
    if "policy" in result.solver:
        tables["policy.csv"] = pd.DataFrame(result.solver["policy"])
    written = write_folder(out, tables, summary(result), manifest(result))
    outputs = result.scenario.outputs
    if (outputs.map or outputs.gpkg) and result.has_solution:
        # geopandas/matplotlib only when needed; the GeoPackage alone needs no matplotlib
        if outputs.map:
            from corridors.outputs import maps  # matplotlib only when a map is drawn

            say("drawing map")
            written.append(maps.plot_flows(result, out / "map.png"))
        if outputs.gpkg:
            from corridors.outputs import layers

            say("writing GeoPackage")
            written.append(layers.write_gpkg(result, out / "flows.gpkg"))
    return written
