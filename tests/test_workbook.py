"""results.xlsx: every sheet holds its CSV's rows and values; units in the headers; the header
row frozen; ``run --xlsx`` and ``export-results --xlsx`` write the same workbook; a folder that
is not a result folder is a short error (exit 2)."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from conftest import SCENARIOS, run_cli
from factory import link_table, node_table, write_case
from typer.testing import CliRunner

from corridors.cli import app
from corridors.core.check import CHECK_ENV
from corridors.errors import CorridorsError
from corridors.io.resultdir import TABLES
from corridors.outputs.workbook import WORKBOOK_NAME, write_workbook

#: Columns the workbook adds to a CSV's: the unit of the row's commodity (output commodity).
ADDED = {"unit", "output_unit"}


def case(tmp: Path) -> Path:
    """Crude from two suppliers (s1 buys a dearer tranche, the pipeline l1 binds, demand is
    left short), a crude reserve, and gas whose pipeline binds: two periods, no map."""
    nodes = node_table("""
        s1 supply 0 1  AAA
        s2 supply 0 -1 BBB
        g  supply 0 2  GGG
        d  demand 2 0  CCC
    """)
    links = link_table("""
        l1 s1 d capacity=12 cost=1
        l2 s2 d capacity=20 cost=2 mode=sea
        lg g  d commodity=pipeline_gas capacity=5 cost=1
    """)
    scenario: dict[str, Any] = {
        "supply": [
            {
                "node": "s1",
                "commodity": "crude_oil",
                "max": 10,
                "price": 10,
                "tranches": [{"max": 5, "price": 20, "label": "diversion"}],
            },
            {"node": "s2", "commodity": "crude_oil", "max": 6, "price": 15},
            {"node": "g", "commodity": "pipeline_gas", "max": 8, "price": 5},
        ],
        "demand": [
            {"node": "d", "commodity": "crude_oil", "amount": 22},
            {"node": "d", "commodity": "pipeline_gas", "amount": 6},
        ],
        "storage": [
            {
                "node": "d",
                "commodity": "crude_oil",
                "capacity": 5,
                "initial": 2,
                "max_withdrawal": 10,
                "max_injection": 10,
            },
        ],  # fmt: skip
        "horizon": {"periods": 2, "period_days": 30},
        "outputs": {"map": False, "gpkg": False},
    }
    return write_case(tmp, nodes, links, scenario)


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, ["--quiet", *map(str, args)], terminal_width=200)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A result folder written by ``corridors run CASE --xlsx``."""
    tmp = tmp_path_factory.mktemp("workbook")
    with pytest.MonkeyPatch.context() as mp:  # the invariant checker, as in every test solve
        mp.setenv(CHECK_ENV, "1")
        res = invoke("run", case(tmp / "case"), "--out", tmp / "out", "--xlsx")
    assert res.exit_code == 0, res.output
    return tmp / "out"


# --------------------------------------------------------------------------- helpers


def name_of(header: str) -> str:
    """The CSV column of a header: ``cost_usd (USD)`` -> ``cost_usd``."""
    return re.sub(r" \(.*\)$", "", header)


def read_sheet(ws: Any) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame([list(r) for r in rows[1:]], columns=[name_of(h) for h in rows[0]])


def read_table(path: Path) -> pd.DataFrame:
    # only empty cells are missing: ids such as "NA" stay text
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def assert_same_values(got: list[Any], want: list[Any], where: str) -> None:
    assert len(got) == len(want), where
    for i, (a, b) in enumerate(zip(got, want, strict=True)):
        at = f"{where} row {i + 2}"
        if missing(b):
            assert missing(a), (at, a, b)
        elif isinstance(b, bool) or not isinstance(b, int | float):
            assert a == b, (at, a, b)
        else:
            assert isinstance(a, int | float) and not isinstance(a, bool), (at, a, b)
            assert a == pytest.approx(b, rel=1e-12, abs=1e-12), (at, a, b)


def commodity_units(folder: Path) -> dict[str, str]:
    summary = json.loads((folder / "summary.json").read_text())
    return {c: v["unit"] for c, v in summary["unmet"].items()}


def assert_tables_match(folder: Path, wb: Any) -> list[str]:
    """Every table of the folder is a sheet of the same rows and values; returns the sheets."""
    units = commodity_units(folder)
    seen = []
    for file in TABLES:
        path = folder / file
        name = Path(file).stem
        if not path.is_file():
            assert name not in wb.sheetnames
            continue
        want = read_table(path)
        got = read_sheet(wb[name])
        seen.append(name)
        added = [c for c in got.columns if c not in want.columns]
        assert set(added) <= ADDED, (name, added)
        assert [c for c in got.columns if c not in added] == list(want.columns), name
        assert len(got) == len(want), name
        for col in want.columns:
            assert_same_values(list(got[col]), list(want[col]), f"{name}.{col}")
        if "unit" in added and name == "diversity":  # the unit of the row's metric
            by_metric = dict(zip(want["metric"], got["unit"], strict=True))
            assert by_metric["pj"] == "PJ" and by_metric["share"] == "%", by_metric
        elif "unit" in added:
            assert list(got["unit"]) == [units[c] for c in want["commodity"]], name
        if "output_unit" in added:
            assert list(got["output_unit"]) == [units[c] for c in want["output_commodity"]]
    return seen


# --------------------------------------------------------------------------- tests


def test_run_xlsx_writes_every_table_with_the_csv_values(run_dir: Path) -> None:
    wb = openpyxl.load_workbook(run_dir / WORKBOOK_NAME)
    seen = assert_tables_match(run_dir, wb)
    assert {"flows", "unmet", "supply", "storage", "prices", "binding", "diversity"} <= set(seen)
    # summary first, then the folder's tables in its order, then summary.json's tables
    assert wb.sheetnames[: len(seen) + 1] == ["summary", *seen]
    assert set(wb.sheetnames) == {"summary", *seen, "replacement", "regions"}
    # the case does what it is for: a tranche bought, demand short, a reserve, binding links
    assert read_table(run_dir / "unmet.csv")["unmet"].sum() > 0
    assert set(read_table(run_dir / "binding.csv")["element"]) >= {"l1", "lg"}


def test_response_tables_match_summary_json(run_dir: Path) -> None:
    wb = openpyxl.load_workbook(run_dir / WORKBOOK_NAME)
    response = json.loads((run_dir / "summary.json").read_text())["response"]
    for name in ("replacement", "regions"):
        want = pd.DataFrame.from_records(response[name])
        got = read_sheet(wb[name])
        assert list(got.columns) == list(want.columns), name
        for col in want.columns:
            assert_same_values(list(got[col]), list(want[col]), f"{name}.{col}")
    rep = read_sheet(wb["replacement"])
    assert list(rep["tranche"]) == ["diversion"] and list(rep["unit"]) == ["Mt"]


def leaves(obj: Any, path: str = "") -> list[tuple[str, Any]]:
    """Scalar values of a JSON object by dotted key (lists of records left out)."""
    if isinstance(obj, dict):
        return [kv for k, v in obj.items() for kv in leaves(v, f"{path}.{k}" if path else k)]
    if isinstance(obj, list):
        if any(isinstance(v, dict) for v in obj):
            return []
        return [kv for i, v in enumerate(obj) for kv in leaves(v, f"{path}[{i}]")]
    return [(path, obj)]


def test_summary_sheet_holds_every_figure_of_summary_json(run_dir: Path) -> None:
    wb = openpyxl.load_workbook(run_dir / WORKBOOK_NAME)
    sheet = read_sheet(wb["summary"])
    assert list(sheet.columns) == ["key", "value", "unit"]
    rows = {k: (v, u) for k, v, u in sheet.itertuples(index=False)}
    summary = json.loads((run_dir / "summary.json").read_text())
    for key, value in leaves(summary):
        if key.endswith(".unit") or key.endswith("_unit"):
            continue  # stated in the unit column
        row = key.removesuffix(".volume").removesuffix(".value")
        assert row in rows, key
        assert_same_values([rows[row][0]], [value], key)
    assert rows["objective"][1] == "USD"
    assert rows["unmet.crude_oil"][1] == "Mt" and rows["unmet.pipeline_gas"][1] == "bcm"
    assert rows["balance.all.consumption"][1] == "PJ"
    assert rows["balance.crude_oil.unmet_share_of_consumption"][1] == "%"
    assert rows["response.prices_usd_per_unit.pipeline_gas"][1] == "USD per bcm"
    assert rows["metrics.reserves.crude_oil.min_reserve_level"][1] == "Mt"
    assert rows["response.replacement"][0] == "1 row: sheet replacement"


def test_headers_units_formats_frozen_row_and_filter(run_dir: Path) -> None:
    wb = openpyxl.load_workbook(run_dir / WORKBOOK_NAME)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert all(c.font.b for c in ws[1]), ws.title
        for col in range(1, ws.max_column + 1):
            letter = ws.cell(1, col).column_letter
            assert ws.column_dimensions[letter].width >= len(str(ws.cell(1, col).value))
    flows = wb["flows"]
    headers = [c.value for c in flows[1]]
    assert {"flow (unit)", "cost_usd (USD)", "emissions_t (t CO2e)", "length_km (km)",
            "delivered (output_unit)", "shadow_price (USD per unit)"} <= set(headers)  # fmt: skip
    fmt = {h: flows.cell(2, j + 1).number_format for j, h in enumerate(headers)}
    assert fmt["cost_usd (USD)"] == "#,##0" and fmt["flow (unit)"] == "#,##0.00"
    div = wb["diversity"]
    rows = list(div.iter_rows(min_row=2))
    metric = [c.value for c in div[1]].index("metric")
    shares = [r[-1] for r in rows if r[metric].value == "share"]
    assert shares and all(c.number_format == "0.0%" for c in shares)


def test_export_results_writes_the_same_workbook(run_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(run_dir, folder)
    (folder / WORKBOOK_NAME).unlink()
    # a table missing from the folder is skipped
    (folder / "storage.csv").unlink()
    res = invoke("export-results", folder, "--xlsx")
    assert res.exit_code == 0, res.output
    assert str(folder / WORKBOOK_NAME) in " ".join(res.output.split())
    wb = openpyxl.load_workbook(folder / WORKBOOK_NAME)
    assert "storage" not in wb.sheetnames
    assert_tables_match(folder, wb)
    ran = openpyxl.load_workbook(run_dir / WORKBOOK_NAME)
    for name in wb.sheetnames:
        got = list(wb[name].iter_rows(values_only=True))
        assert got == list(ran[name].iter_rows(values_only=True)), name
    # written atomically: no temporary file left beside it
    assert not [p.name for p in folder.iterdir() if ".tmp" in p.name]


def test_write_workbook_to_another_file_and_its_errors(run_dir: Path, tmp_path: Path) -> None:
    target = write_workbook(run_dir, tmp_path / "sub" / "planners.xlsx")
    assert target == tmp_path / "sub" / "planners.xlsx"
    assert openpyxl.load_workbook(target).sheetnames[0] == "summary"
    (tmp_path / "taken.xlsx").mkdir()
    with pytest.raises(CorridorsError, match="cannot write the workbook"):
        write_workbook(run_dir, tmp_path / "taken.xlsx")
    with pytest.raises(CorridorsError, match="result folder not found"):
        write_workbook(tmp_path / "nowhere")


def test_text_that_looks_like_a_formula_stays_text(run_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(run_dir, folder)
    flows = read_table(folder / "flows.csv")
    texts = ["=1+1", "#N/A", "NA"]
    flows["corridor"] = (texts * len(flows))[: len(flows)]
    flows.to_csv(folder / "flows.csv", index=False)
    ws = openpyxl.load_workbook(write_workbook(folder))["flows"]
    col = [c.value for c in ws[1]].index("corridor") + 1
    cells = [ws.cell(r, col) for r in range(2, 5)]
    assert [c.value for c in cells] == ["=1+1", "#N/A", "NA"]
    assert [c.data_type for c in cells] == ["s", "s", "s"]


def test_export_results_refuses_a_folder_that_is_not_a_result_folder(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a run")
    proc = run_cli("export-results", folder, "--xlsx", timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and str(folder) in lines[0], proc.stderr
    assert "incomplete result folder" in lines[0] and "corridors run" in lines[0]
    assert not (folder / WORKBOOK_NAME).exists()
    nothing = run_cli("export-results", folder, timeout=120)
    assert nothing.returncode == 2 and "give --xlsx" in nothing.stderr


def test_baseline_workbook_matches_its_csv_files(tmp_path: Path) -> None:
    scenario = tmp_path / "baseline_tables.yaml"
    scenario.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nname: baseline\n"
        "outputs: {map: false, gpkg: false}\n"
    )
    res = invoke("run", scenario, "--out", tmp_path / "out", "--xlsx")
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(tmp_path / "out" / WORKBOOK_NAME)
    seen = assert_tables_match(tmp_path / "out", wb)
    assert {"flows", "unmet", "supply", "storage", "prices", "binding", "diversity"} <= set(seen)
    assert "regions" in wb.sheetnames


def test_period_lengths_rates_per_year_and_binding_units(run_dir: Path) -> None:
    """The tables' new columns: ``period_days (days)``, ``capacity_per_year`` in the row's
    unit per year, binding's flow and limit in its ``quantity_unit`` and its shadow price in
    its ``unit`` (USD per Mt), supply limits among the binding rows."""
    wb = openpyxl.load_workbook(run_dir / WORKBOOK_NAME)
    for name in ("flows", "unmet", "supply", "storage", "prices", "binding"):
        headers = [c.value for c in wb[name][1]]
        assert "period_days (days)" in headers, (name, headers)
        col = headers.index("period_days (days)") + 1
        assert (
            wb[name].cell(2, col).value == 30 and wb[name].cell(2, col).number_format == "#,##0.0"
        )
    flows = wb["flows"]
    headers = [c.value for c in flows[1]]
    assert "capacity_per_year (unit per year)" in headers and "unit" in headers
    assert "output_unit" in headers and "degenerate" in headers
    got = read_sheet(flows).set_index(["link", "period"])
    # l1 carries at most 12 Mt a year: 12 x 30/365 Mt in each 30-day period
    assert got.loc[("l1", 1), "capacity_per_year"] == pytest.approx(12.0)
    assert got.loc[("l1", 1), "capacity"] == pytest.approx(12.0 * 30 / 365)
    assert got.loc[("l1", 1), "unit"] == "Mt" and got.loc[("lg", 1), "unit"] == "bcm"
    fmt = {h: flows.cell(2, j + 1).number_format for j, h in enumerate(headers)}
    assert fmt["capacity_per_year (unit per year)"] == "#,##0.00"
    binding = wb["binding"]
    headers = [c.value for c in binding[1]]
    assert {"flow (quantity_unit)", "capacity (quantity_unit)", "shadow_price (unit)",
            "quantity_unit", "unit", "kind", "degenerate"} <= set(headers)  # fmt: skip
    b = read_sheet(binding)
    assert "supply" in set(b["kind"]) and "link" in set(b["kind"])
    lg = b[b["element"] == "lg"].iloc[0]
    assert lg["quantity_unit"] == "bcm" and lg["unit"] == "USD per bcm"
    supply = read_sheet(wb["supply"])
    assert {"shadow_price", "degenerate", "unit"} <= set(supply.columns)
    assert "shadow_price (USD per unit)" in [c.value for c in wb["supply"][1]]


def test_binding_of_an_older_folder_keeps_its_header() -> None:
    """binding.csv without quantity_unit (format 2): the header says what the unit is."""
    from corridors.outputs.workbook import table_sheet

    old = pd.DataFrame(
        {"element": ["l1"], "period": [1], "flow": [1.0], "capacity": [1.0],
         "shadow_price": [5.0], "unit": ["USD per unit"]}
    )  # fmt: skip
    sheet = table_sheet("binding", old, {"crude_oil": "Mt"}, source="binding.csv")
    assert "flow (link: its commodity's unit; node: PJ)" in sheet.headers
    assert "shadow_price (unit)" in sheet.headers and list(sheet.table.columns) == list(old.columns)


def test_summary_horizon_reserves_definitions_and_costs(run_dir: Path) -> None:
    """summary.json's new blocks: the horizon in days, supply_balance in commodity units,
    disruption_start_day a day of the horizon, definitions texts without a unit, and every
    cost_breakdown entry (take_or_pay, at_sea too) in USD."""
    from corridors.outputs.workbook import summary_sheet

    wb = openpyxl.load_workbook(run_dir / WORKBOOK_NAME)
    sheet = read_sheet(wb["summary"])
    rows = {k: (v, u) for k, v, u in sheet.itertuples(index=False)}
    assert rows["horizon.period_days"] == (30, "days") and rows["horizon.days"] == (60, "days")
    assert rows["horizon.periods"][0] == 2 and missing(rows["horizon.periods"][1])
    assert rows["supply_balance.crude_oil.supplied"][1] == "Mt"
    assert rows["supply_balance.pipeline_gas.not_supplied_pj"][1] == "PJ"
    assert rows["metrics.reserves.crude_oil.disruption_start_day"][1] == "day"
    assert rows["metrics.reserves.crude_oil.survival_days"][1] == "days"
    defs = {k: u for k, (_v, u) in rows.items() if k.startswith("definitions.")}
    assert defs and all(missing(u) for u in defs.values()), defs
    costs = {"supply": 1.0, "take_or_pay": 2.0e9, "at_sea": 3.0e6, "release": 0.0}
    summary = {
        "cost_breakdown": costs,
        "metrics": {"reserves": {"crude_oil": {"disruption_start_day": 14.0,
                                               "first_shortfall_day": 21.0}}},
    }  # fmt: skip
    s = summary_sheet(summary, {"crude_oil": "Mt"}, set())
    got = {k: (u, f) for (k, _v, u), f in zip(s.table.itertuples(index=False),
                                              s.row_formats["value"], strict=True)}  # fmt: skip
    for key in costs:
        assert got[f"cost_breakdown.{key}"] == ("USD", "#,##0"), key
    assert got["metrics.reserves.crude_oil.disruption_start_day"] == ("day", "#,##0.0")
    assert got["metrics.reserves.crude_oil.first_shortfall_day"] == ("day", "#,##0.0")
