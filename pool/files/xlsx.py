"""Stream one worksheet of an XLSX workbook row by row, in bounded memory.

openpyxl opens the workbook (its shared strings, the styles that mark dates, its list of sheets)
and turns each cell into its value; the sheet's XML is streamed here, so what is read is what the
file holds: rows carry the sheet's own numbers, every row and cell is read whatever the sheet's
`<dimension>` claims (openpyxl's read-only sheets stop there), a row listed twice or out of order
refuses the file instead of being dropped, and each finished row leaves the parsed tree, so
memory does not grow with the sheet.

A formula cell is read as the result its spreadsheet program saved with it, which is what the
sheet showed when it was saved; each row says which of its cells hold formulas and whether each
has a saved result. Nothing in the file tells whether a saved result is still the formula's value
(a program that writes formulas without calculating them may leave an old one).
"""

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import WorkSheetParser

from pool.domain.errors import InvalidInput
from pool.domain.text import shown

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_DATA, _ROW, _VALUE, _FORMULA = (_MAIN + t for t in ("sheetData", "row", "v", "f"))
_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_SHOWN_SHEETS = 20

# What a broken or hostile workbook makes zipfile, zlib, the XML parser or openpyxl raise.
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    ParseError,
    DefusedXmlException,
    InvalidFileException,
    NotImplementedError,
    RuntimeError,
)

# A formula cell of a row: its column (1 for A), its reference (D7), and whether a result was
# saved with it.
Formula = tuple[int, str, bool]
# A row: its number in the sheet, its cell values from column A (None for an empty cell), and its
# formula cells (None when it has none, as most rows).
Row = tuple[int, list[object], list[Formula] | None]
# The bounds of an array formula's range: min column, min row, max column, max row.
_Range = tuple[int, int, int, int]


class Worksheet:
    """One worksheet of a workbook: `name` says which; iterating streams its rows once."""

    def __init__(self, path: Path, sheet: str | None = None) -> None:
        self.file = path.name
        try:
            reader = ExcelReader(path, read_only=True, data_only=True)
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            sheets: list[tuple[str, str, str]] = [
                (s.name, s.state or "visible", rel.target)
                for s, rel in reader.parser.find_sheets()
                if rel.Type == _WORKSHEET
            ]
        except _UNREADABLE as exc:
            raise _unreadable(path.name, exc) from None
        self._reader = reader
        try:
            self.name, self._part = _chosen(path.name, sheets, sheet)
        except InvalidInput:
            reader.archive.close()
            raise

    def __iter__(self) -> Iterator[Row]:
        try:
            if self._part is not None:
                yield from self._rows()
        finally:
            self._reader.archive.close()

    def _rows(self) -> Iterator[Row]:
        book = self._reader.wb
        # openpyxl's own cell reading: shared and inline strings, numbers, dates by their style.
        cells = WorkSheetParser(
            None,  # type: ignore[arg-type]  # only parse_cell is used: the XML is streamed below
            self._reader.shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,  # type: ignore[attr-defined]
            timedelta_formats=book._timedelta_formats,  # type: ignore[attr-defined]
        )
        previous = 0
        arrays: list[_Range] = []  # the ranges of array formulas not yet passed
        try:
            with self._reader.archive.open(self._part or "") as source:
                data: Element | None = None
                for event, element in iterparse(source, ("start", "end"), forbid_dtd=True):
                    if event == "start":
                        if element.tag == _SHEET_DATA:
                            data = element
                        continue
                    if element.tag != _ROW:
                        continue
                    number = int(element.get("r") or previous + 1)
                    if number <= previous or number < 1:
                        raise InvalidInput(
                            f"{self.file}: the sheet lists row {number} after row {previous}; "
                            "this is not a well-formed workbook."
                        )
                    previous = number
                    yield self._row(cells, element, number, arrays)
                    element.clear()
                    if data is not None:
                        data.remove(element)
        except _UNREADABLE as exc:
            raise _unreadable(self.file, exc, previous) from None

    def _row(self, cells: WorkSheetParser, element: Element, number: int, arrays: list[_Range]) -> Row:
        """A row's values from column A, and its formula cells."""
        values: list[object] = []
        formulas: list[Formula] | None = None
        if arrays:
            arrays[:] = [a for a in arrays if a[3] >= number]
        cells.row_counter, cells.col_counter = number, 0
        for c in element:
            cell: dict[str, Any] = cells.parse_cell(c)
            column = cell["column"]
            if column <= len(values):
                raise InvalidInput(
                    f"{self.file}: row {number} of the sheet lists column {get_column_letter(column)} "
                    "twice or out of order; this is not a well-formed workbook."
                )
            values.extend([None] * (column - 1 - len(values)))
            values.append(cell["value"])
            formula = c.find(_FORMULA)
            if formula is not None or (arrays and _in_array(arrays, number, column)):
                if formula is not None and formula.get("t") == "array":
                    arrays.extend(_array_range(formula.get("ref")))
                saved = c.find(_VALUE)
                has_result = saved is not None and (bool(saved.text) or c.get("t") == "str")
                formulas = formulas or []
                formulas.append((column, f"{get_column_letter(column)}{number}", has_result))
        return number, values, formulas


def _array_range(ref: str | None) -> list[_Range]:
    """The range an array formula fills (its first cell holds the formula, the others only its
    results), if the formula says."""
    bounds = range_boundaries(ref) if ref else (None, None, None, None)
    c1, r1, c2, r2 = bounds
    return [] if c1 is None or r1 is None or c2 is None or r2 is None else [(c1, r1, c2, r2)]


def _in_array(arrays: list[_Range], row: int, column: int) -> bool:
    return any(c1 <= column <= c2 and r1 <= row <= r2 for c1, r1, c2, r2 in arrays)


def _chosen(file: str, sheets: list[tuple[str, str, str]], name: str | None) -> tuple[str | None, str | None]:
    """The name and part of the sheet to read: `name`, or the first visible one."""
    if name is not None:
        for title, _state, part in sheets:
            if title == name:
                return title, part
        raise InvalidInput(f"{file}: no sheet is named {shown(name)}; its sheets are {_listed(sheets)}.")
    for title, state, part in sheets:
        if state == "visible":
            return title, part
    if not sheets:
        return None, None
    raise InvalidInput(f"{file}: every sheet is hidden; choose one with --sheet NAME: {_listed(sheets)}.")


def _listed(sheets: list[tuple[str, str, str]]) -> str:
    names = [shown(title) + ("" if state == "visible" else " (hidden)") for title, state, _ in sheets]
    more = len(names) - _SHOWN_SHEETS
    return ", ".join(names[:_SHOWN_SHEETS]) + (f" and {more} more" if more > 0 else "")


def _unreadable(file: str, exc: BaseException, after_row: int | None = None) -> InvalidInput:
    if isinstance(exc, DefusedXmlException):  # Excel and WPS never write a DTD or entities
        return InvalidInput(
            f"{file}: the workbook declares a document type or entities, which Excel and WPS never "
            "write; it was not read. Save it again from Excel or WPS."
        )
    where = "" if not after_row else f" after row {after_row}"
    return InvalidInput(f"{file}: not a readable XLSX workbook{where} ({type(exc).__name__}).")
