"""Stream an actuals file (CSV or XLSX) as checked rows, without holding it in memory.

Columns: project, period, metric, amount, and an optional note. Each row is checked on its own
here (period, amount); whether its project and metric exist, and whether a key repeats, is checked
by the import itself, set-based, in the database.
"""

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from pool.domain.errors import InvalidInput, PoolError
from pool.domain.money import parse_amount
from pool.domain.months import parse_month

COLUMNS = ("project", "period", "metric", "amount")
MAX_FIELD = 1000
MAX_LINE = 8 * MAX_FIELD


@dataclass(frozen=True)
class Row:
    row: int            # the row number a spreadsheet shows (the header is row 1)
    project: str
    period: int
    metric: str
    amount: int
    note: str


@dataclass(frozen=True)
class BadRow:
    row: int
    message: str


def read_actuals(path: str | Path) -> Iterator[Row | BadRow]:
    """Rows of the file in order; a file that cannot be read at all raises InvalidInput."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"cannot read {path}: no such file.")
    if path.suffix.lower() == ".xlsx":
        return _check(_xlsx_cells(path), path)
    if path.suffix.lower() == ".csv":
        return _check(_csv_cells(path), path)
    raise InvalidInput(f"{path.name}: an actuals file must be .csv or .xlsx.")


def _csv_cells(path: Path) -> Iterator[list[object]]:
    csv.field_size_limit(MAX_FIELD * 10)
    with path.open("rb") as raw:
        reader = csv.reader(_decoded_lines(raw, path.name))
        try:
            yield from reader
        except csv.Error as exc:
            message = f"{path.name}: row {reader.line_num}: not a readable CSV row ({exc})."
            raise InvalidInput(message) from None


def _decoded_lines(raw: BinaryIO, name: str) -> Iterator[str]:
    """UTF-8 lines, with or without a byte-order mark; a line that is not UTF-8 stops the import."""
    number = 0
    while line := raw.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise InvalidInput(f"{name}: line {number} is longer than {MAX_LINE} bytes; "
                               "this is not an actuals file.")
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8):]
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            message = f"{name}: line {number} is not UTF-8 text; save the file as CSV UTF-8."
            raise InvalidInput(message) from None


def _xlsx_cells(path: Path) -> Iterator[list[object]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__}).") from None
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        book.close()


def _check(cells: Iterator[list[object]], path: Path) -> Iterator[Row | BadRow]:
    header = next(cells, None)
    if header is None:
        raise InvalidInput(f"{path.name}: the file is empty; the first row must be the header "
                           "project,period,metric,amount[,note].")
    names = [_text(c).lower() for c in header]
    while names and names[-1] == "":
        names.pop()
    if tuple(names[:4]) != COLUMNS or names[4:] not in ([], ["note"]):
        raise InvalidInput(f"{path.name}: row 1: the header must be project,period,metric,amount "
                           f"with an optional note column, not {','.join(names)[:200]!r}.")
    width = len(names)
    for number, values in enumerate(cells, start=2):
        if all(_text(v) == "" for v in values):
            continue
        yield _row(number, values, width)


def _row(number: int, values: list[object], width: int) -> Row | BadRow:
    extra = [v for v in values[width:] if _text(v) != ""]
    if len(values) < 4 or extra:
        return BadRow(number, f"expected {width} columns, found {len(values)}")
    project, period, metric, amount = (values[i] for i in range(4))
    note = _text(values[4]) if width == 5 and len(values) > 4 else ""
    problems = []
    if not _text(project):
        problems.append("the project is empty")
    if not _text(metric):
        problems.append("the metric is empty")
    if any(len(_text(v)) > MAX_FIELD for v in values):
        problems.append(f"a cell is longer than {MAX_FIELD} characters")
    try:
        month = parse_month(_period_text(period))
    except PoolError as exc:
        problems.append(f"period: {exc}".rstrip("."))
        month = 0
    try:
        fen = parse_amount(_amount_value(amount))
    except PoolError as exc:
        problems.append(f"amount: {exc}".rstrip("."))
        fen = 0
    if problems:
        return BadRow(number, "; ".join(problems))
    return Row(number, _text(project), month, _text(metric), fen, note)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _period_text(value: object) -> object:
    """A spreadsheet date cell counts as its month; anything else must read YYYY-MM."""
    if isinstance(value, dt.date | dt.datetime):
        return f"{value.year:04d}-{value.month:02d}"
    return _text(value)


def _amount_value(value: object) -> object:
    """Spreadsheet numbers arrive as binary floats: take their shortest decimal form, exactly."""
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, bool):
        return str(value)
    return value if isinstance(value, int) else _text(value)
