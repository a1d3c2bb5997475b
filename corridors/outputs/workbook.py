"""results.xlsx: a result folder's tables as one spreadsheet for planners.

:func:`write_workbook` reads a folder written by ``corridors run`` (the files named in
:mod:`corridors.io.resultdir`) and writes ``results.xlsx`` beside them, atomically:

- ``summary``: summary.json as a tidy table ``key, value, unit`` (nested keys joined with dots,
  ``{"volume": v, "unit": u}`` pairs on one row, lists of records pointing to their own sheet);
- one sheet per table of the folder, in the folder's order (a table absent from the folder is
  skipped), then ``replacement`` and ``regions`` from summary.json's ``response`` block (when
  they have rows);
- headers carry units, ``cost_usd (USD)``, ``period_days (days)``; where the unit depends on
  the row (commodity quantities: Mt of crude, bcm of gas) the header says ``flow (unit)`` and
  a ``unit`` column (inserted after ``commodity`` when the CSV has none) gives it;
  ``capacity_per_year (unit per year)`` is a rate in that unit per 365-day year;
  ``delivered`` and ``arrived`` are in ``output_unit``, the unit of ``output_commodity``;
  binding's ``flow`` and ``capacity`` are in its ``quantity_unit`` column's unit and its
  ``shadow_price`` in its ``unit`` column's (USD per Mt, per PJ); diversity's ``value`` is in
  the unit of its ``metric``;
- summary.json's figures without a unit beside them get theirs from :data:`SUMMARY_UNITS`
  (days, ``day`` for a day of the horizon, USD for every ``cost_breakdown`` entry);
- the header row is bold and frozen, with an autofilter; number formats (thousands separators
  for money, two decimals for commodity volumes, percent for shares) and column widths follow
  the content. Cell values are the CSV's numbers unrounded: formats only change the display.

Only this module imports openpyxl, when a workbook is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corridors.errors import CorridorsError, Problem
from corridors.io.files import atomic_write
from corridors.io.resultdir import TABLES, read_csv, read_folder

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet  # type: ignore[import-untyped]

#: File name of the workbook inside the result folder.
WORKBOOK_NAME = "results.xlsx"

#: Rows of one sheet in Excel (the header included).
MAX_ROWS = 1_048_576

# Number formats (Excel codes).
MONEY = "#,##0"
VOLUME = "#,##0.00"
ENERGY = "#,##0.0"
DAYS = "#,##0.0"
SHARE = "0.0%"
INDEX = "0.000"
INTEGER = "0"
TONNES = "#,##0"
GENERAL = "General"

#: Header unit meaning "the unit given in the row's ``unit`` column".
ROW_UNIT = "unit"
#: Header unit meaning "the unit of the row's ``output_commodity``" (column ``output_unit``).
OUT_UNIT = "output_unit"
#: Header unit meaning "the unit in the row's ``unit`` column, per 365-day year".
PER_YEAR = "unit per year"
#: Header unit meaning "the unit given in the row's ``quantity_unit`` column" (binding.csv:
#: a link's commodity unit, PJ for a node's throughput limit).
QTY_UNIT = "quantity_unit"
#: Money per unit of the row's commodity.
PER_UNIT = "USD per unit"

#: Column of any table -> (unit shown in the header, number format). Columns not listed are
#: shown as they are (General format, no unit).
COLUMNS: dict[str, tuple[str | None, str]] = {
    "period": (None, INTEGER),
    **dict.fromkeys(
        (
            "flow",
            "capacity",
            "unmet",
            "demand",
            "restraint",
            "shortage",
            "supplied",
            "available",
            "level",
            "withdrawal",
            "injection",
            "volume",
        ),
        (ROW_UNIT, VOLUME),
    ),  # fmt: skip
    "capacity_per_year": (PER_YEAR, VOLUME),
    "delivered": (OUT_UNIT, VOLUME),
    "arrived": (OUT_UNIT, VOLUME),
    "period_days": ("days", DAYS),
    "length_km": ("km", MONEY),
    "cost_usd": ("USD", MONEY),
    "premium_usd": ("USD", MONEY),
    "emissions_t": ("t CO2e", TONNES),
    "transit_days": ("days", DAYS),
    "shadow_price": (PER_UNIT, MONEY),
    "price": (PER_UNIT, MONEY),
    "base_price": (PER_UNIT, MONEY),
    "marginal_cost": (PER_UNIT, MONEY),
    "price_usd_per_unit": (PER_UNIT, MONEY),
    "non_served_pj": ("PJ", ENERGY),
    "first_shortfall_day": ("day", DAYS),
    "usd_per_point": ("USD per point", MONEY),
    "target": (None, INDEX),
    "achieved": (None, INDEX),
    "violation": (None, INDEX),
}

#: Per sheet, columns whose unit or format differ from :data:`COLUMNS`.
SHEET_COLUMNS: dict[str, dict[str, tuple[str | None, str]]] = {
    # binding.csv's own unit column states the shadow price's unit (USD per Mt, per PJ, ...);
    # its quantity_unit column the unit of the flow and the limit (PJ for a node's throughput)
    "binding": {
        "flow": (QTY_UNIT, VOLUME),
        "capacity": (QTY_UNIT, VOLUME),
        "shadow_price": (ROW_UNIT, MONEY),
    },
    "diversity": {"value": (ROW_UNIT, GENERAL)},
}

#: A header unit naming a column the table lacks (a folder of an older version) -> the text
#: shown instead.
MISSING_UNIT_COLUMN: dict[str, str] = {QTY_UNIT: "link: its commodity's unit; node: PJ"}

#: diversity.csv metric -> (unit, number format) of its value.
METRICS: dict[str, tuple[str, str]] = {
    "pj": ("PJ", ENERGY),
    "share": ("%", SHARE),
    "hhi": ("", INDEX),
    "hhi_10000": ("", MONEY),
    "shannon": ("", INDEX),
    "effective_number": ("", "0.00"),
    "members": ("", INTEGER),
    "risk_hhi": ("", INDEX),
    "risk_exposure": ("", INDEX),
    "emissions_t": ("t CO2e", TONNES),
    "carbon_cost_usd": ("USD", MONEY),
    "transport_cost_usd": ("USD", MONEY),
    "landed_usd_per_gj": ("USD per GJ", "#,##0.00"),
}

#: Sheets made from lists of records in summary.json: sheet -> key path.
SUMMARY_TABLES: dict[str, str] = {
    "replacement": "response.replacement",
    "regions": "response.regions",
}

#: summary.json key (fnmatch pattern on the dotted path) -> unit; the first match wins.
#: ``{commodity}`` is the unit of the commodity named in the path. Keys with a unit beside
#: them (``{"volume": v, "unit": u}``, ``objective`` + ``objective_unit``) need no rule.
SUMMARY_UNITS: tuple[tuple[str, str], ...] = (
    ("definitions.*", ""),  # texts
    ("metrics.reserves.*.min_reserve_level", "{commodity}"),
    ("metrics.reserves.*.first_shortfall_day", "day"),
    ("metrics.reserves.*.disruption_start_day", "day"),
    ("metrics.reserves.*", "days"),
    ("metrics.voyage_days.*", "days"),
    ("metrics.at_sea.*", "{commodity}"),
    ("metrics.volumes.*", "{commodity}"),
    ("metrics.emissions_t.*", "t CO2e"),
    ("metrics.chokepoint_share.*", "fraction"),
    ("diversity.*.share_*", "fraction"),
    ("response.prices_usd_per_unit.*", "USD per {commodity}"),
    ("cost_breakdown.*", "USD"),
    ("*_usd", "USD"),
    ("*.pj", "PJ"),
    ("*_pj", "PJ"),
    ("timings.*", "s"),
    ("solver.seconds", "s"),
)

#: Widest column (characters) and the narrowest.
MAX_WIDTH, MIN_WIDTH = 60, 6


@dataclass
class Sheet:
    """One sheet: its table, the header text and number format of each column, and (for
    diversity's values and the summary) a number format per row of one column; ``source``:
    the file of the result folder it comes from."""

    name: str
    table: pd.DataFrame
    headers: list[str]
    formats: list[str]
    row_formats: dict[str, list[str]]
    source: str = "summary.json"


def write_workbook(result_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the tables of the result folder ``result_dir`` as one workbook, atomically.

    ``out``: the file to write (default ``result_dir/results.xlsx``). Returns its path. A folder
    that is not a result folder, or a table too long for a sheet, is a :class:`CorridorsError`.
    """
    folder = Path(result_dir)
    path = Path(out) if out is not None else folder / WORKBOOK_NAME
    sheets = workbook_sheets(folder)
    for s in sheets:
        if len(s.table) + 1 > MAX_ROWS:
            raise CorridorsError(
                Problem(
                    str(folder / s.source),
                    "",
                    f"{len(s.table):,} rows do not fit in a spreadsheet (at most "
                    f"{MAX_ROWS - 1:,}); use the CSV file",
                )
            )
    try:
        atomic_write(path, lambda tmp: _save(sheets, tmp))
    except OSError as exc:
        raise CorridorsError(
            Problem(str(path), "", f"cannot write the workbook: {exc.strerror or exc}")
        ) from exc
    return path


def workbook_sheets(folder: Path) -> list[Sheet]:
    """The sheets of the workbook of a result folder, in order: summary, the folder's tables
    (those present), then the tables of summary.json."""
    summary, _manifest, tables = read_folder(folder)
    problems: list[Problem] = []
    for name in TABLES:
        if name not in tables and (folder / name).is_file():
            tables[name] = read_csv(folder / name, (), problems)
    if problems:
        raise CorridorsError(problems)
    # read_folder gives an empty table for an absent optional file: skip those
    present = [n for n in TABLES if n in tables and (folder / n).is_file()]
    units = commodity_units(summary)
    sheets = [summary_sheet(summary, units, {Path(n).stem for n in present})]
    for name in present:
        if len(tables[name].columns):
            sheets.append(table_sheet(Path(name).stem, tables[name], units, source=name))
    for name, key in SUMMARY_TABLES.items():
        records = _lookup(summary, key)
        if isinstance(records, list) and records and all(isinstance(r, dict) for r in records):
            sheets.append(table_sheet(name, pd.DataFrame.from_records(records), units))
    return sheets


def commodity_units(summary: Mapping[str, Any]) -> dict[str, str]:
    """Commodity -> its unit (Mt, bcm, PJ for ``all``), as summary.json states them."""
    units: dict[str, str] = {}
    for c, entry in (summary.get("unmet") or {}).items():
        if isinstance(entry, dict) and isinstance(entry.get("unit"), str):
            units[c] = entry["unit"]
    for c, rows in (summary.get("balance") or {}).items():
        if isinstance(rows, dict):
            for row in rows.values():
                if isinstance(row, dict) and isinstance(row.get("unit"), str) and "volume" in row:
                    units.setdefault(c, row["unit"])
                    break
    return units


# --------------------------------------------------------------------------- tables


def table_sheet(
    name: str, df: pd.DataFrame, units: Mapping[str, str], source: str = "summary.json"
) -> Sheet:
    """A table as a sheet: unit columns added where the unit depends on the row, headers
    with units, a number format per column (and per row for diversity's values)."""
    df = df.copy()
    specs = {**COLUMNS, **SHEET_COLUMNS.get(name, {})}
    for col, (unit, fmt) in list(specs.items()):
        if unit is not None and unit in MISSING_UNIT_COLUMN and unit not in df.columns:
            specs[col] = (MISSING_UNIT_COLUMN[unit], fmt)
    need = {specs[c][0] for c in df.columns if c in specs}
    if PER_YEAR in need:
        need.add(ROW_UNIT)
    row_formats: dict[str, list[str]] = {}
    if name == "diversity" and "metric" in df.columns and "unit" not in df.columns:
        metric = df["metric"].astype(object)
        _insert_after(df, "metric", "unit", [METRICS.get(m, ("", ""))[0] for m in metric])
        row_formats["value"] = [METRICS.get(m, ("", GENERAL))[1] for m in metric]
    elif ROW_UNIT in need and "commodity" in df.columns and "unit" not in df.columns:
        _insert_after(df, "commodity", "unit", [units.get(c, "") for c in df["commodity"]])
    if OUT_UNIT in need and "output_commodity" in df.columns and OUT_UNIT not in df.columns:
        out = [units.get(c, "") for c in df["output_commodity"]]
        _insert_after(df, "output_commodity", OUT_UNIT, out)
    headers, formats = [], []
    for col in df.columns:
        unit, fmt = specs.get(col, (None, GENERAL))
        headers.append(f"{col} ({unit})" if unit else str(col))
        formats.append(fmt)
    return Sheet(name, df, headers, formats, row_formats, source)


def _insert_after(df: pd.DataFrame, after: str, name: str, values: list[str]) -> None:
    df.insert(int(df.columns.get_loc(after)) + 1, name, values)


# --------------------------------------------------------------------------- summary


def summary_sheet(summary: Mapping[str, Any], units: Mapping[str, str], sheets: set[str]) -> Sheet:
    """summary.json as rows ``key, value, unit``; ``sheets``: the folder's other sheets (a list
    of records in summary.json points to the sheet that holds it)."""
    refs = {key: name for name, key in SUMMARY_TABLES.items()}
    refs.update({n: n for n in sheets})  # e.g. "policy": the same rows as policy.csv
    rows = list(_flatten(summary, "", units, refs))
    fmts = [_unit_format(unit, value) for _key, value, unit in rows]
    shown = [(key, value, _shown_unit(unit)) for key, value, unit in rows]
    df = pd.DataFrame(shown, columns=["key", "value", "unit"], dtype=object)
    return Sheet("summary", df, ["key", "value", "unit"], [GENERAL] * 3, {"value": fmts})


def _flatten(
    obj: Any, path: str, units: Mapping[str, str], refs: Mapping[str, str]
) -> Iterator[tuple[str, Any, str | None]]:
    """Rows ``(dotted key, value, unit)`` of a JSON object."""
    if isinstance(obj, dict):
        pair = next((k for k in ("volume", "value") if k in obj), None)
        if pair is not None and isinstance(obj.get("unit"), str):
            yield path, obj[pair], obj["unit"]
            rest = {k: v for k, v in obj.items() if k not in (pair, "unit")}
            for k, v in rest.items():
                yield from _flatten(v, _join(path, k), units, refs)
            return
        for k, v in obj.items():
            key = str(k)
            if key.endswith("_unit") and key[: -len("_unit")] in obj:
                continue  # stated on the row of its value
            sub = _join(path, key)
            stated = obj.get(f"{key}_unit")
            if isinstance(stated, str) and not isinstance(v, dict | list):
                yield sub, v, stated
            else:
                yield from _flatten(v, sub, units, refs)
    elif isinstance(obj, list):
        if not obj:
            yield path, "none", None
        elif all(not isinstance(v, dict | list) for v in obj):
            for i, v in enumerate(obj):
                yield f"{path}[{i}]", v, _summary_unit(path, units)
        elif path in refs:
            n = len(obj)
            yield path, f"{n} row{'' if n == 1 else 's'}: sheet {refs[path]}", None
        else:
            for i, v in enumerate(obj):
                yield from _flatten(v, f"{path}[{i}]", units, refs)
    else:
        yield path, obj, _summary_unit(path, units)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _summary_unit(path: str, units: Mapping[str, str]) -> str | None:
    """The unit of a summary.json value without a stated unit (:data:`SUMMARY_UNITS`; an
    empty unit: none)."""
    for pattern, unit in SUMMARY_UNITS:
        if fnmatchcase(path, pattern):
            if not unit:
                return None
            if "{commodity}" not in unit:
                return unit
            c = _commodity_in(path, units)
            return unit.replace("{commodity}", units[c]) if c else None
    return None


def _commodity_in(path: str, units: Mapping[str, str]) -> str | None:
    """The last commodity named in a dotted key (a segment, or a segment's ``_c`` suffix)."""
    for seg in reversed(path.split(".")):
        if seg in units:
            return seg
        for c in units:
            if seg.endswith(f"_{c}"):
                return c
    return None


def _lookup(obj: Mapping[str, Any], key: str) -> Any:
    for part in key.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)  # type: ignore[assignment]
    return obj


def _shown_unit(unit: str | None) -> str | None:
    """Fractions are shown as percentages (the cell keeps the fraction)."""
    return "%" if unit == "fraction" else unit


def _unit_format(unit: str | None, value: Any) -> str:
    """Number format of a summary value from its unit."""
    if not _is_number(value):
        return GENERAL
    if unit is None:
        return GENERAL
    if unit == "fraction":
        return SHARE
    if unit == "USD" or unit.startswith("USD per"):
        return MONEY
    if unit in ("PJ", "days", "day"):
        return ENERGY
    if unit == "t CO2e":
        return TONNES
    if unit == "s":
        return "0.000"
    return VOLUME  # a commodity's unit


# --------------------------------------------------------------------------- writing


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # control characters Excel refuses


def _cell_value(v: Any) -> Any:
    """A value as a cell holds it: None for missing, text for infinities, no control
    characters in text."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    if isinstance(v, str):
        return _ILLEGAL.sub("", v)
    return v


def _display_width(v: Any, fmt: str) -> int:
    """Characters a value takes on screen in a number format (close enough for widths)."""
    if v is None:
        return 0
    if not _is_number(v):
        return len(str(v))
    spec = {MONEY: ",.0f", VOLUME: ",.2f", ENERGY: ",.1f", SHARE: ".1%", INDEX: ".3f",
            INTEGER: ".0f", "0.00": ".2f", "#,##0.00": ",.2f"}.get(fmt)  # fmt: skip
    if spec is None:
        return min(len(repr(v)), 12)  # General shows about 11 significant characters
    return len(format(v, spec))


def _widths(sheet: Sheet, values: list[list[Any]]) -> list[float]:
    """Column widths from the header and the widest value of each column."""
    out: list[float] = []
    for j, header in enumerate(sheet.headers):
        col = sheet.table.columns[j]
        per_row = sheet.row_formats.get(col)
        widest = len(header) + 2  # the autofilter's button
        if per_row is not None:
            for row, fmt in zip(values, per_row, strict=True):
                widest = max(widest, _display_width(row[j], fmt))
        else:
            nums = [r[j] for r in values if _is_number(r[j])]
            others = [r[j] for r in values if r[j] is not None and not _is_number(r[j])]
            for v in (max(nums), min(nums)) if nums else ():
                widest = max(widest, _display_width(v, sheet.formats[j]))
            if others:
                widest = max(widest, max(len(str(v)) for v in others))
        out.append(float(min(MAX_WIDTH, max(MIN_WIDTH, widest + 1))))
    return out


def _save(sheets: list[Sheet], path: Path) -> None:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    wb = Workbook(write_only=True)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        _write_sheet(ws, sheet)
    wb.save(path)


def _write_sheet(ws: WriteOnlyWorksheet, sheet: Sheet) -> None:
    """Header (bold, frozen, autofilter), widths, then the rows with their number formats."""
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    df = sheet.table
    values = [[_cell_value(v) for v in row] for row in df.astype(object).itertuples(index=False)]
    ncol = len(sheet.headers)
    letters = [get_column_letter(j + 1) for j in range(ncol)]
    # widths and panes go before the first row (a streaming sheet writes them first)
    for letter, width in zip(letters, _widths(sheet, values), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{letters[-1]}{len(values) + 1}"

    bold = Font(bold=True)
    header = []
    for text in sheet.headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header.append(cell)
    ws.append(header)

    # A number in a formatted column goes in that column's styled cell, refilled for every
    # row (a streaming sheet writes each appended row at once); a per-row format makes a new
    # cell; anything else goes in as a plain value, which is quicker.
    columns = list(df.columns)
    templates: list[Any] = []
    for fmt in sheet.formats:
        cell = None
        if fmt != GENERAL:
            cell = WriteOnlyCell(ws)
            cell.number_format = fmt
        templates.append(cell)
    per_row = {j: sheet.row_formats[c] for j, c in enumerate(columns) if c in sheet.row_formats}
    for i, row in enumerate(values):
        cells: list[Any] = []
        for j, v in enumerate(row):
            if isinstance(v, str):
                if v.startswith("=") or v.startswith("#"):
                    cell = WriteOnlyCell(ws, value=v)
                    cell.data_type = "s"  # text as it is, never a formula or an error code
                    cells.append(cell)
                else:
                    cells.append(v)
            elif v is None:
                cells.append(None)
            elif j in per_row:
                cell = WriteOnlyCell(ws, value=v)
                if per_row[j][i] != GENERAL:
                    cell.number_format = per_row[j][i]
                cells.append(cell)
            elif templates[j] is not None:
                templates[j].value = v
                cells.append(templates[j])
            else:
                cells.append(v)
        ws.append(cells)


__all__ = [
    "COLUMNS",
    "METRICS",
    "SUMMARY_TABLES",
    "WORKBOOK_NAME",
    "Sheet",
    "commodity_units",
    "workbook_sheets",
    "write_workbook",
]
