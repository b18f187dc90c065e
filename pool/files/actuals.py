"""Stream an actuals file (CSV or XLSX) as checked rows, without holding it in memory.

Columns: project, period, metric, amount, and an optional note. Each row is checked on its own
here (period, amount); whether its project and metric exist, and whether a key repeats, is checked
by the import itself, set-based, in the database.

`read_actuals_rows` is the import's hot path: it yields plain tuples, and a row written the usual
way (YYYY-MM, digits with at most two decimals, no stray spaces) takes a fast path of two regular
expressions; anything else takes the careful path that explains what is wrong.

An XLSX workbook is read from one worksheet (the first visible one unless a sheet is named). A
formula cell counts as the result saved with it, and the file says how many values came from
formulas; a formula with no saved result makes its row bad, since what it would show is unknown.
"""

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pool.domain.errors import InvalidInput, PoolError
from pool.domain.money import parse_scaled_amount
from pool.domain.months import parse_month
from pool.domain.text import typed_text
from pool.files.tables import ENCODINGS, TOTAL_WORDS, is_total

if TYPE_CHECKING:  # openpyxl is imported only to read a workbook
    from pool.files.xlsx import Row

COLUMNS = ("project", "period", "metric", "amount")
# The header names each column may have, in the order above (then the optional note).
HEADER_NAMES = (
    ("project", "项目编号", "项目代码", "项目"),
    ("period", "月份", "所属月份", "期间"),
    ("metric", "指标", "指标代码", "指标名称"),
    ("amount", "金额", "数额", "数值"),
)
NOTE_NAMES = ("note", "备注", "说明")
SNIFF_BYTES = 1 << 16
MAX_FIELD = 1000
MAX_LINE = 8 * MAX_FIELD
FORMULA_CELLS_NAMED = 10  # the cells a file names of those whose values came from formulas
UNSAVED_ADVICE = "open the file in Excel or WPS and save it so its values are stored, or type the values"

# (row number, project, period month, metric, amount in fen, note, problem or None).
# The note is None when the file has no note column (it says nothing about notes).
# A bad row carries its problem, its project and metric as written (so the import can say
# whether they exist too), and zeros and "" for the rest.
StagedRow = tuple[int, str, int, str, int, str | None, str | None]

# The usual spelling only; it accepts a subset of what parse_month / parse_amount accept and gives
# the same values, so a row either takes the fast path or is judged by the careful one.
_FAST_PERIOD = re.compile(r"(19[0-9][0-9]|[2-9][0-9][0-9][0-9])-(0[1-9]|1[0-2])")
_FAST_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,12})(?:\.([0-9]{1,2}))?")


class ActualsFile:
    """An actuals file's rows as StagedRow tuples, in order, read once by iterating.

    Opening it raises InvalidInput at once for a missing file, an unknown sheet or a wrong header;
    reading raises it where the file stops being readable. `sheet` is the worksheet read (None
    for CSV); once read, `formula_values` counts the values that came from formulas' saved
    results and `formula_cells` names the first of those cells.
    """

    def __init__(
        self,
        path: str | Path,
        sheet: str | None = None,
        *,
        encoding: str | None = None,
        metrics: Mapping[str, str] | None = None,
    ) -> None:
        path = Path(path)
        if not path.is_file():
            raise InvalidInput(f"cannot read {path}: no such file.")
        suffix = path.suffix.lower()
        self.sheet: str | None = None
        self.encoding: str | None = None
        self.formula_values = 0
        self.formula_cells: list[str] = []
        self.totals: list[tuple[int, str]] = []  # total rows skipped: (row number, what it says)
        self.metrics: Mapping[str, str] = metrics or {}  # metric label -> code
        self._rows: Iterator[StagedRow]
        if suffix == ".csv":
            if sheet is not None:
                raise InvalidInput(f"{path.name}: a CSV file has no sheets; name a sheet only for XLSX.")
            self.encoding = _encoding_of(path, encoding)
            cells = _csv_cells(path, self.encoding)
            self._rows = _csv_rows(cells, _header(next(cells, None), path), self.totals, self.metrics)
        elif encoding is not None:
            raise InvalidInput(f"{path.name}: only a CSV file has an encoding; --encoding is for CSV files.")
        elif suffix == ".xlsx":
            from pool.files.xlsx import Worksheet

            worksheet = Worksheet(path, sheet)
            self.sheet = worksheet.name
            rows = iter(worksheet)
            self._rows = self._xlsx_rows(rows, _xlsx_header(rows, path))
        else:
            raise InvalidInput(f"{path.name}: an actuals file must be .csv or .xlsx.")

    def __iter__(self) -> Iterator[StagedRow]:
        return self._rows

    def _xlsx_rows(self, rows: "Iterator[Row]", width: int) -> Iterator[StagedRow]:
        fast_period, fast_amount = _FAST_PERIOD.fullmatch, _FAST_AMOUNT.fullmatch
        noted = width == 5
        labels = self.metrics
        for number, values, formulas in rows:
            if len(values) < width:  # a sheet stores no empty cells: the missing ones are empty
                values += [None] * (width - len(values))
            if formulas is not None:
                unsaved = [ref for _, ref, saved in formulas if not saved]
                if unsaved:
                    yield _bad(number, _unsaved(unsaved))
                    continue
                if any(_text(v) for v in values):
                    self._from_formulas([ref for column, ref, _ in formulas if column <= width])
            if len(values) == width:
                project, period, metric, amount = values[0], values[1], values[2], values[3]
                if (
                    type(project) is str
                    and type(metric) is str
                    and type(period) is str
                    and type(amount) is str
                ):
                    p, a = fast_period(period), fast_amount(amount)
                    project, metric = project.strip(), metric.strip()
                    metric = labels.get(metric, metric)
                    note = values[4] if noted else ""
                    if (
                        p
                        and a
                        and project
                        and not project.startswith(TOTAL_WORDS)
                        and metric
                        and len(project) <= MAX_FIELD
                        and len(metric) <= MAX_FIELD
                        and type(note) is str
                        and len(note) <= MAX_FIELD
                        and note.isprintable()
                    ):
                        whole, frac = a.group(1, 2)
                        fen = int(whole) * 100 + (0 if frac is None else int(frac.ljust(2, "0")))
                        yield (
                            number,
                            project,
                            int(p.group(1)) * 12 + int(p.group(2)) - 1,
                            metric,
                            fen,
                            ("" if note.isspace() else note) if noted else None,
                            None,
                        )
                        continue
            if all(_text(v) == "" for v in values):
                continue
            total = is_total(values)
            if total is not None:
                self.totals.append((number, total))
                continue
            yield _careful(number, values, width, labels)

    def _from_formulas(self, cells: list[str]) -> None:
        self.formula_values += len(cells)
        self.formula_cells += cells[: FORMULA_CELLS_NAMED - len(self.formula_cells)]


def read_actuals_rows(
    path: str | Path,
    sheet: str | None = None,
    *,
    encoding: str | None = None,
    metrics: Mapping[str, str] | None = None,
) -> ActualsFile:
    """The file's rows (see ActualsFile): CSV (UTF-8, or GBK/GB18030 detected or named by
    `encoding`), or XLSX from `sheet` or its first visible sheet; `metrics` maps metric labels
    to their codes."""
    return ActualsFile(path, sheet, encoding=encoding, metrics=metrics)


def _encoding_of(path: Path, chosen: str | None) -> str:
    """The CSV file's encoding: the one named, else UTF-8 when its start decodes as UTF-8, else
    GB18030 (which reads GBK, what Excel saves as plain CSV on Chinese Windows, the same)."""
    if chosen is not None:
        name = chosen.lower().replace("_", "-")
        name = "utf-8" if name in ("utf8", "utf-8-sig") else name
        if name not in ENCODINGS:
            raise InvalidInput(
                f"{chosen!r} is not an encoding pool reads; use one of {', '.join(ENCODINGS)}."
            )
        return name
    with path.open("rb") as raw:
        start = raw.read(SNIFF_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(start, final=len(start) < SNIFF_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _csv_cells(path: Path, encoding: str = "utf-8") -> Iterator[list[str]]:
    csv.field_size_limit(MAX_FIELD * 10)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="")
        reader = csv.reader(_bounded_lines(text, path.name))
        try:
            yield from reader
        except csv.Error as exc:
            message = f"{path.name}: row {reader.line_num}: not a readable CSV row ({exc})."
            raise InvalidInput(message) from None
        except UnicodeDecodeError:
            raw.seek(0)
            line = _first_undecodable_line(raw, encoding)
            raise InvalidInput(
                f"{path.name}: line {line} is not {encoding.upper()} text; save the file as CSV UTF-8, "
                "or name its encoding with --encoding (utf-8, gbk, gb18030)."
            ) from None


def _bounded_lines(text: io.TextIOWrapper, name: str) -> Iterator[str]:
    """The text's lines; a line too long for an actuals file stops the import."""
    number = 0
    while line := text.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise InvalidInput(
                f"{name}: line {number} is longer than {MAX_LINE} characters; this is not an actuals file."
            )
        if "\x00" in line:
            raise InvalidInput(f"{name}: line {number} holds a NUL character; this is not a text file.")
        yield line


def _first_undecodable_line(raw: BinaryIO, encoding: str = "utf-8") -> int:
    """The number of the first line that does not decode (the error path only: it reads again)."""
    number = 0
    for number, line in enumerate(raw, start=1):
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            return number
    return number


def _header(header: Sequence[object] | None, path: Path) -> int:
    """Check the header row; the number of columns (4, or 5 with a note)."""
    if header is None:
        raise InvalidInput(
            f"{path.name}: the file is empty; the first row must be the header "
            "project,period,metric,amount[,note]."
        )
    names = [_text(c).lower() for c in header]
    while names and names[-1] == "":
        names.pop()
    fits = len(names) >= 4 and all(n in accepted for n, accepted in zip(names, HEADER_NAMES))
    if not fits or len(names) > 5 or (len(names) == 5 and names[4] not in NOTE_NAMES):
        raise InvalidInput(
            f"{path.name}: row 1: the header must be project,period,metric,amount "
            "(项目编号,月份,指标,金额) with an optional note (备注) column, "
            f"not {','.join(names)[:200]!r}."
        )
    return len(names)


def _xlsx_header(rows: "Iterator[Row]", path: Path) -> int:
    """The header is the sheet's row 1; a formula there needs its saved result too."""
    first = next(rows, None)
    if first is None:
        return _header(None, path)
    number, values, formulas = first
    unsaved = [ref for _, ref, saved in formulas or () if not saved]
    if unsaved:
        raise InvalidInput(f"{path.name}: row 1: {_unsaved(unsaved)}.")
    return _header(values if number == 1 else [], path)


def _csv_rows(
    cells: Iterator[list[str]], width: int, totals: list[tuple[int, str]], labels: Mapping[str, str]
) -> Iterator[StagedRow]:
    """CSV cells are all text: the fast path needs no type checks, and months repeat, so each
    distinct period text is parsed once. Total rows are skipped into `totals`."""
    fast_amount = _FAST_AMOUNT.fullmatch
    months: dict[str, int] = {}
    noted = width == 5
    number = 1
    for values in cells:
        number += 1
        if len(values) == width:
            project, period, metric, amount = values[0].strip(), values[1], values[2].strip(), values[3]
            metric = labels.get(metric, metric)
            month = months.get(period)
            if month is None and (p := _FAST_PERIOD.fullmatch(period)) is not None:
                month = months[period] = int(p.group(1)) * 12 + int(p.group(2)) - 1
            note = values[4] if width == 5 else ""
            if (
                month is not None
                and (a := fast_amount(amount)) is not None
                and project
                and not project.startswith(TOTAL_WORDS)
                and metric
                and len(project) <= MAX_FIELD
                and len(metric) <= MAX_FIELD
                and len(note) <= MAX_FIELD
                and note.isprintable()
            ):
                whole, frac = a.group(1, 2)
                yield (
                    number,
                    project,
                    month,
                    metric,
                    int(whole) * 100 + (0 if frac is None else int(frac.ljust(2, "0"))),
                    ("" if note.isspace() else note) if noted else None,
                    None,
                )
                continue
        if all(_text(v) == "" for v in values):
            continue
        total = is_total(values)
        if total is not None:
            totals.append((number, total))
            continue
        yield _careful(number, values, width, labels)  # type: ignore[arg-type]


def _careful(number: int, values: list[object], width: int, labels: Mapping[str, str]) -> StagedRow:
    """Judge a row cell by cell, naming every problem."""
    extra = [v for v in values[width:] if _text(v) != ""]
    if len(values) < 4 or extra:
        return _bad(number, f"expected {width} columns, found {len(values)}")
    project, period, metric, amount = (values[i] for i in range(4))
    note = (_note(values[4]) if len(values) > 4 else "") if width == 5 else None
    problems = []
    if not _text(project):
        problems.append("the project is empty")
    if not _text(metric):
        problems.append("the metric is empty")
    if len(note or "") > MAX_FIELD or any(len(_text(v)) > MAX_FIELD for v in values):
        problems.append(f"a cell is longer than {MAX_FIELD} characters")
    elif note:
        try:
            note = typed_text(note, "note", multiline=True)
        except PoolError as exc:
            problems.append(str(exc).rstrip("."))
    try:
        month = parse_month(_period_text(period))
    except PoolError as exc:
        problems.append(f"period: {exc}".rstrip("."))
        month = 0
    try:
        fen = parse_scaled_amount(_amount_value(amount), allow_negative=True)  # judged by metric later
    except PoolError as exc:
        problems.append(f"amount: {exc}".rstrip("."))
        fen = 0
    if problems:
        return (number, _text(project)[:MAX_FIELD], 0, _text(metric)[:MAX_FIELD], 0, "", "; ".join(problems))
    return (number, _text(project), month, labels.get(_text(metric), _text(metric)), fen, note, None)


def _bad(number: int, problem: str) -> StagedRow:
    return (number, "", 0, "", 0, "", problem)


def _unsaved(cells: list[str]) -> str:
    """What is wrong with a row whose formula cells have no saved results."""
    if len(cells) == 1:
        return f"{cells[0]} is a formula with no saved value; {UNSAVED_ADVICE}"
    named = cells[:FORMULA_CELLS_NAMED]
    more = len(cells) - len(named)
    listed = (
        ", ".join(named[:-1]) + f" and {named[-1]}" if not more else ", ".join(named) + f" and {more} more"
    )
    return f"{listed} are formulas with no saved value; {UNSAVED_ADVICE}"


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _note(value: object) -> str:
    """A note exactly as written; one of only whitespace is no note."""
    text = "" if value is None else str(value)
    return "" if text.isspace() else text


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
