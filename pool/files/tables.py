"""Spreadsheets people keep by hand, read as rows of named columns: CSV in UTF-8 (with or without
a byte-order mark) or in GBK/GB18030 (what Excel saves as plain CSV on Chinese Windows), or one
sheet of an XLSX workbook; headers in Chinese or English; total rows (合计, 总计) skipped and named.

Small files only (targets, schemes of columns): the whole sheet is read into memory.
"""

import codecs
import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pool.domain.errors import InvalidInput

ENCODINGS = ("utf-8", "gbk", "gb18030")
TOTAL_WORDS = ("合计", "总计")
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Table:
    """Rows as (row number, column -> cell), the encoding or sheet read, the total rows skipped."""

    rows: list[tuple[int, dict[str, object]]]
    encoding: str | None = None
    sheet: str | None = None
    totals: list[tuple[int, str]] = field(default_factory=list)


def detect_encoding(data: bytes) -> str:
    """`utf-8` when the bytes are UTF-8 (a byte-order mark or not), otherwise `gb18030` (a
    superset of GBK, so a GBK file reads the same)."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def decode(data: bytes, encoding: str | None, name: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in."""
    if encoding is not None:
        chosen = encoding.lower().replace("_", "-")
        if chosen in ("utf8", "utf-8-sig"):
            chosen = "utf-8"
        if chosen not in ENCODINGS:
            raise InvalidInput(
                f"{encoding!r} is not an encoding pool reads; use one of {', '.join(ENCODINGS)}."
            )
    else:
        chosen = detect_encoding(data)
    body = data[len(codecs.BOM_UTF8) :] if chosen == "utf-8" and data.startswith(codecs.BOM_UTF8) else data
    try:
        return body.decode(chosen), chosen
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"{name}: line {line} is not {chosen} text; save the file as CSV UTF-8, or name its "
            "encoding with --encoding gbk."
        ) from None


def is_total(values: Sequence[object]) -> str | None:
    """The label of a total row (its first non-empty cell begins with 合计 or 总计), or None."""
    for value in values:
        text = "" if value is None else "".join(str(value).split())
        if text:
            return text if text.startswith(TOTAL_WORDS) else None
    return None


def read_table(
    path: str | Path,
    aliases: Mapping[str, Sequence[str]],
    required: Sequence[str],
    *,
    sheet: str | None = None,
    encoding: str | None = None,
) -> Table:
    """Read `path`; `aliases` maps each column to the header names it may have (any case). The
    header is the first non-empty row; an unknown or repeated header, or a missing required
    column, refuses the file with a sentence."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"cannot read {path}: no such file.")
    suffix = path.suffix.lower()
    table = Table([])
    raw_rows: list[tuple[int, list[object]]]
    if suffix == ".csv":
        if sheet is not None:
            raise InvalidInput(f"{path.name}: a CSV file has no sheets; name a sheet only for XLSX.")
        data = path.read_bytes()
        if len(data) > MAX_BYTES:
            raise InvalidInput(
                f"{path.name} is larger than {MAX_BYTES // 1024 // 1024} MB; this is not such a file."
            )
        text, table.encoding = decode(data, encoding, path.name)
        try:
            raw_rows = [(reader_line, list(cells)) for reader_line, cells in _csv(text)]
        except csv.Error as exc:
            raise InvalidInput(f"{path.name}: not a readable CSV file ({exc}).") from None
    elif suffix == ".xlsx":
        if encoding is not None:
            raise InvalidInput(f"{path.name}: a workbook has no text encoding; --encoding is for CSV files.")
        from pool.files.xlsx import Worksheet

        worksheet = Worksheet(path, sheet)
        table.sheet = worksheet.name
        raw_rows = []
        for number, values, formulas in worksheet:
            unsaved = [ref for _, ref, saved in formulas or () if not saved]
            if unsaved:
                raise InvalidInput(
                    f"{path.name}: row {number}: {', '.join(unsaved)} holds a formula with no saved value; "
                    "open the file in Excel or WPS and save it, or type the values."
                )
            raw_rows.append((number, values))
    else:
        raise InvalidInput(f"{path.name}: the file must be .csv or .xlsx.")
    rows = iter([(n, v) for n, v in raw_rows if any(_text(c) for c in v)])
    first = next(rows, None)
    if first is None:
        raise InvalidInput(f"{path.name}: the file is empty; its first row must be the header.")
    columns = _header(first, aliases, required, path.name)
    for number, values in rows:
        total = is_total(values)
        if total is not None:
            table.totals.append((number, total))
            continue
        extra = [v for i, v in enumerate(values) if i >= len(columns) and _text(v)]
        cells: dict[str, object] = {
            name: (values[i] if i < len(values) else None) for i, name in enumerate(columns) if name
        }
        if extra:
            cells["__extra__"] = len(values)
        table.rows.append((number, cells))
    return table


def _csv(text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    out = []
    for cells in reader:
        out.append((reader.line_num, cells))
    return out


def _header(
    first: tuple[int, list[object]], aliases: Mapping[str, Sequence[str]], required: Sequence[str], name: str
) -> list[str]:
    number, values = first
    lookup = {alias.lower(): column for column, names in aliases.items() for alias in (column, *names)}
    columns: list[str] = []
    for value in values:
        text = _text(value)
        column = lookup.get(text.lower()) if text else ""
        if column is None:
            known = "、".join(f"{c}({'/'.join(aliases[c])})" for c in aliases)
            raise InvalidInput(f"{name}: row {number}: {text!r} is not a column; the columns are {known}.")
        if column and column in columns:
            raise InvalidInput(f"{name}: row {number}: the column {column} appears twice.")
        columns.append(column)
    missing = [c for c in required if c not in columns]
    if missing:
        raise InvalidInput(
            f"{name}: row {number}: the header lacks {', '.join(missing)}; "
            f"write {', '.join(f'{c}({aliases[c][0]})' for c in required)} in the first row."
        )
    return columns


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
