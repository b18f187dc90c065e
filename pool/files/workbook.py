"""Reports and lists as XLSX workbooks for Excel and WPS: Chinese headers, exact amounts as numbers
with two decimals, percentages with one, a frozen header row, A4 printing with the header repeated
on every page, text a spreadsheet would run as a formula neutralised (as in CSV), and native charts
where a sheet asks for them.

Amounts arrive as the decimal strings every report gives ("1234.50") and are written as exact
decimal numbers (the cell's XML holds the same digits); percentages ("57.3") as the fraction
0.573 with a percent format.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.header_footer import _HeaderFooterPart as _Text
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from pool.domain.text import spreadsheet_safe

AMOUNT_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
INTEGER_FORMAT = "0"
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Column:
    """A column: the row key it shows, its header, and its kind (text, amount, percent, integer)."""

    key: str
    header: str
    kind: str = "text"
    width: int = 0


@dataclass(frozen=True)
class Chart:
    """A native chart over a sheet's rows: `kind` bar or line, one series per value column,
    categories from `category`; rows first..last of the data (0-based, inclusive; None for all)."""

    kind: str
    title: str
    category: str
    values: tuple[str, ...]
    first: int = 0
    last: int | None = None
    anchor: str = ""
    y_title: str = ""
    percent: bool = False


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]
    heading: str = ""  # a title line above the header
    notes: Sequence[str] = ()  # lines below the data
    charts: Sequence[Chart] = ()
    side: "Sheet | None" = None  # a small table to the right (e.g. a monthly trend) with its charts
    bold_last: bool = False  # the last row is a total
    _origin: tuple[int, int] = field(default=(1, 1))


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique worksheet name (at most 31 characters, none of []:*?/\\)."""
    base = _SHEET_FORBIDDEN.sub("_", text).strip("'") or "Sheet"
    base = base[:31]
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f"({n})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def write_workbook(handle: IO[bytes], sheets: Sequence[Sheet], *, title: str = "") -> None:
    """Write the sheets, in order, as one workbook to `handle`."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    if title:
        book.properties.title = title
    taken: set[str] = set()
    for sheet in sheets:
        ws = book.create_sheet(sheet_title(sheet.title, taken))
        _fill(ws, sheet, 1)
    book.save(handle)


def _fill(ws: Worksheet, sheet: Sheet, first_column: int) -> None:
    row = 1
    if sheet.heading:
        ws.cell(row=row, column=first_column, value=spreadsheet_safe(sheet.heading)).font = Font(
            bold=True, size=13
        )
        row += 1
    header_row = row
    for i, column in enumerate(sheet.columns):
        head = ws.cell(row=header_row, column=first_column + i, value=spreadsheet_safe(column.header))
        head.font = BOLD
        head.fill = HEADER_FILL
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for n, data in enumerate(sheet.rows):
        r = header_row + 1 + n
        for i, column in enumerate(sheet.columns):
            cell = ws.cell(row=r, column=first_column + i)
            cell.value, number_format = _value(data.get(column.key), column.kind)
            if number_format:
                cell.number_format = number_format
            if sheet.bold_last and n == len(sheet.rows) - 1:
                cell.font = BOLD
    last_row = header_row + len(sheet.rows)
    for k, note in enumerate(sheet.notes):
        ws.cell(row=last_row + 2 + k, column=first_column, value=spreadsheet_safe(note))
    for i, column in enumerate(sheet.columns):
        letter = get_column_letter(first_column + i)
        width = column.width or _width(column, sheet.rows)
        ws.column_dimensions[letter].width = width
    sheet._origin = (header_row, first_column)
    if first_column == 1:
        ws.freeze_panes = f"A{header_row + 1}"
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if len(sheet.columns) > 6 else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.oddFooter = HeaderFooterItem(center=_Text(text="第 &P 页,共 &N 页"))
    for chart in sheet.charts:
        _chart(ws, sheet, chart)
    if sheet.side is not None:
        side_column = first_column + len(sheet.columns) + 1
        _fill(ws, sheet.side, side_column)


def _value(value: Any, kind: str) -> tuple[Any, str]:
    """The cell value and number format of a report value."""
    if value is None or value == "":
        return None, ""
    if kind == "amount" and isinstance(value, str) and _NUMBER.fullmatch(value):
        return Decimal(value), AMOUNT_FORMAT
    if kind == "percent" and isinstance(value, str) and _NUMBER.fullmatch(value):
        return Decimal(value) / 100, PERCENT_FORMAT
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return value, INTEGER_FORMAT
    if isinstance(value, bool):
        return ("是" if value else "否"), ""
    if isinstance(value, int):
        return value, INTEGER_FORMAT
    if isinstance(value, list | dict):
        import json

        value = json.dumps(value, ensure_ascii=False)
    return spreadsheet_safe(str(value)), ""


def _width(column: Column, rows: Sequence[dict[str, Any]]) -> int:
    def wide(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    longest = max([wide(column.header)] + [wide(str(r.get(column.key) or "")) for r in rows[:500]])
    separators = longest // 3 if column.kind == "amount" else 0  # 1,234,567.00 shows its commas
    return max(8, min(50, longest + separators + 2))


def _chart(ws: Worksheet, sheet: Sheet, spec: Chart) -> None:
    header_row, first_column = sheet._origin
    keys = [c.key for c in sheet.columns]
    last = len(sheet.rows) - 1 if spec.last is None else spec.last
    if last < spec.first:
        return
    top, bottom = header_row + 1 + spec.first, header_row + 1 + last
    chart = BarChart() if spec.kind == "bar" else LineChart()
    chart.title = spec.title
    chart.height, chart.width = 7.5, 16
    if spec.y_title:
        chart.y_axis.title = spec.y_title
    for key in spec.values:
        column = first_column + keys.index(key)
        values = Reference(ws, min_col=column, min_row=top, max_row=bottom)
        series = Series(values, title=sheet.columns[keys.index(key)].header)
        series.smooth = False
        chart.series.append(series)
    category = first_column + keys.index(spec.category)
    labels_ref = Reference(ws, min_col=category, min_row=top, max_row=bottom)
    for series in chart.series:  # text categories: a string reference, as Excel writes them
        series.cat = AxDataSource(strRef=StrRef(f=str(labels_ref)))
    if spec.percent:
        chart.y_axis.number_format = "0%"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    labels = DataLabelList()
    labels.showVal = True
    labels.showSerName = labels.showCatName = labels.showLegendKey = False
    labels.showPercent = False
    chart.dataLabels = labels
    if len(spec.values) == 1:
        chart.legend = None
    below = header_row + len(sheet.rows) + 3 + len(sheet.notes)
    ws.add_chart(chart, spec.anchor or f"{get_column_letter(first_column)}{below}")
