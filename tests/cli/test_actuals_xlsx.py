"""`pool actuals import` of XLSX workbooks, on SQLite and PostgreSQL: formula cells (a saved
result is imported and named, a formula with no saved result refuses its row), which sheet is read
(the first visible one, or --sheet NAME), and rows or cells the sheet's own XML holds beyond what
its dimension claims. Workbooks are built with openpyxl and, where a spreadsheet program would
write what openpyxl does not (a formula's saved result), edited at the XML level."""

import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from support.databases import BACKENDS
from support.driver import STATE_TABLES, Pool

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"
ACTUALS_TABLES = ("actuals", "actual_revisions", "actual_imports", "period_closes")
COLUMNS = ["project", "period", "metric", "amount", "note"]
M = 2024 * 12  # the month number of 2024-01
ADVICE = "open the file in Excel or WPS and save it so its values are stored, or type the values"


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    """A pool with shangluo-default published and projects ZS-001 and ZS-002 registered."""
    p = Pool(db_url)
    p.init()
    p.add_actor("policy-desk", "policy")
    p.add_actor("audit-bureau", "auditor")
    p.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    for code in ("ZS-001", "ZS-002"):
        p.ok(
            "city-office",
            "project",
            "add",
            code,
            "--name",
            f"项目 {code}",
            "--investor",
            "公司",
            "--chain",
            "electronics",
            "--kind",
            "manufacturing",
            "--investment",
            "1",
            "--capital-source",
            "local",
            "--origin",
            "zhashui",
        )
    yield p
    p.close()


def workbook(path: Path, sheets: dict[str, list[list[Any]]], hidden: tuple[str, ...] = ()) -> Path:
    """A workbook with these sheets in this order, their rows as given (header included)."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


def rewrite(path: Path, part: str, change: Callable[[str], str]) -> None:
    """Edit one XML part of a saved workbook, the way another program might have written it."""
    with zipfile.ZipFile(path) as source:
        items = [(item, source.read(item.filename)) for item in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item, data in items:
            if item.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(item, data)


def saved_results(path: Path, results: dict[str, str], *, text: tuple[str, ...] = ()) -> None:
    """Give formula cells the saved results a spreadsheet program stores beside each formula
    (openpyxl stores none); a text result is marked as a string, as Excel does."""

    def change(xml: str) -> str:
        for ref, value in results.items():
            pattern = rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/></c>'
            kind = ' t="str"' if ref in text else ""
            xml, count = re.subn(pattern, rf'<c r="{ref}"\1{kind}><f>\2</f><v>{value}</v></c>', xml)
            assert count == 1, (ref, xml)
        return xml

    rewrite(path, "xl/worksheets/sheet1.xml", change)


def state(pool: Pool) -> dict[str, list[dict[str, Any]]]:
    return {t: pool.rows(t) for t in STATE_TABLES + ACTUALS_TABLES}


def stored(pool: Pool) -> list[tuple[str, int, str, int]]:
    codes = {p["id"]: p["code"] for p in pool.rows("projects")}
    return sorted(
        (codes[a["project_id"]], a["period"], a["metric"], a["amount"]) for a in pool.rows("actuals")
    )


def refused(pool: Pool, path: Path, *extra: str) -> str:
    """Import `path`, expect the refusal of a bad input, and check that nothing changed."""
    before = state(pool)
    result = pool.run("city-office", "actuals", "import", str(path), *extra)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert state(pool) == before
    audit = pool.last_audit()
    assert (audit["action"], audit["outcome"]) == ("actuals.import", "invalid")
    return result.stderr


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_formulas_without_saved_values_refuse_their_rows(pool: Pool, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "mixed2.xlsx",
        {
            "Sheet": [
                COLUMNS,
                ["ZS-001", "2025-01", "tax_local", 100, "一月"],
                ["=A2", '="2025-02"', "=C2", "=D2*2", "=E2"],  # no saved value anywhere
                ["ZS-002", "2025-01", "fdi", "=1+1", None],  # one cell
                ["ZS-002", "2025-02", "fdi", 5, None, None, "=F1"],  # beyond the columns read
            ]
        },
    )
    message = refused(pool, path)
    assert message.splitlines() == [
        "Error: mixed2.xlsx: 3 bad rows; nothing was imported.",
        f"  row 3: A3, B3, C3, D3 and E3 are formulas with no saved value; {ADVICE}",
        f"  row 4: D4 is a formula with no saved value; {ADVICE}",
        f"  row 5: G5 is a formula with no saved value; {ADVICE}",
    ]
    assert pool.rows("actuals") == []

    # The same formulas with saved values import those values.
    saved_results(
        path,
        {"A3": "ZS-001", "B3": "2025-02", "C3": "tax_local", "E3": "一月"},
        text=("A3", "B3", "C3", "E3"),
    )
    saved_results(path, {"D3": "200", "D4": "2", "G5": ""}, text=("G5",))
    result = pool.json("city-office", "actuals", "import", str(path))
    assert (result["rows"], result["added"]) == (4, 4)
    assert stored(pool) == [
        ("ZS-001", 2025 * 12, "tax_local", 10000),
        ("ZS-001", 2025 * 12 + 1, "tax_local", 20000),
        ("ZS-002", 2025 * 12, "fdi", 200),
        ("ZS-002", 2025 * 12 + 1, "fdi", 500),
    ]


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_header_formula_without_a_saved_value_refuses_the_file(pool: Pool, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "header.xlsx",
        {"Sheet": [["project", "period", "metric", '="amount"'], ["ZS-001", "2025-01", "tax_local", 1]]},
    )
    message = refused(pool, path)
    assert f"header.xlsx: row 1: D1 is a formula with no saved value; {ADVICE}" in message
    assert "nothing was imported" in message.lower()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_saved_formula_results_are_imported_and_named(pool: Pool, tmp_path: Path) -> None:
    rows: list[list[Any]] = [COLUMNS, ["ZS-001", "2024-01", "tax_local", "=2+3", "公式"]]
    rows += [["ZS-002", f"2024-{m:02d}", "fdi", f"=D{m}+1", None] for m in range(1, 12)]  # D3 … D13
    rows += [["ZS-001", "2024-02", "tax_local", 7, '=""'], [None, None, None, None, '=""']]
    path = workbook(tmp_path / "formulas.xlsx", {"上报": rows})
    # A stale saved result is imported as saved: 2+3 was saved as 999999.
    results = {"D2": "999999", **{f"D{r}": str(r) for r in range(3, 14)}, "E14": "", "E15": ""}
    saved_results(path, results, text=("E14", "E15"))

    table = pool.ok("city-office", "actuals", "import", str(path)).stdout.splitlines()
    assert table == [
        "Imported formulas.xlsx (import 1): 13 rows, 13 added, 0 restated, 0 unchanged.",
        "13 values came from formulas (their saved results were used): D2, D3, D4, D5, D6, D7, D8, D9, "
        "D10, D11 and 3 more.",
    ]
    zs1 = int(pool.one("projects", code="ZS-001")["id"])
    assert pool.one("actuals", project_id=zs1, period=M)["amount"] == 99999900
    assert [r["note"] for r in pool.rows("actual_revisions", project_id=zs1)] == ["公式", ""]
    detail = json.loads(pool.last_audit()["detail"])
    assert (detail["formula_values"], detail["sheet"]) == (13, "上报")

    again = pool.json("city-office", "actuals", "import", str(path))
    assert again["changed"] is False
    assert (again["formula_values"], again["formula_cells"][:2], again["sheet"]) == (13, ["D2", "D3"], "上报")
    assert len(again["formula_cells"]) == 10
    nothing = pool.ok("city-office", "actuals", "import", str(path)).stdout.splitlines()
    assert nothing[0].startswith("Nothing changed") and nothing[1].startswith("13 values came from formulas")

    one = workbook(tmp_path / "one.xlsx", {"Sheet": [COLUMNS, ["ZS-002", "2024-12", "fai", "=1+1", None]]})
    saved_results(one, {"D2": "2"})
    assert pool.ok("city-office", "actuals", "import", str(one)).stdout.splitlines()[1] == (
        "1 value came from a formula (its saved result was used): D2."
    )
    plain = workbook(tmp_path / "plain.xlsx", {"Sheet": [COLUMNS, ["ZS-002", "2024-11", "fai", 1, None]]})
    assert len(pool.ok("city-office", "actuals", "import", str(plain)).stdout.splitlines()) == 1
    assert pool.json("city-office", "actuals", "import", str(plain))["formula_values"] == 0


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_the_first_visible_sheet_is_read_and_sheet_chooses_another(pool: Pool, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "sheets.xlsx",
        {
            "草稿": [COLUMNS, ["ZS-002", "2024-05", "fdi", 7, "草稿"]],
            "旧版": [COLUMNS, ["ZS-002", "2024-06", "fdi", 8, None]],
            "上报": [COLUMNS, ["ZS-001", "2024-01", "tax_local", 100, None]],
        },
        hidden=("草稿", "旧版"),
    )
    rewrite(
        path,
        "xl/workbook.xml",
        lambda xml: xml.replace(
            'name="旧版" sheetId="2" state="hidden"', 'name="旧版" sheetId="2" state="veryHidden"'
        ),
    )
    result = pool.json("city-office", "actuals", "import", str(path))
    assert (result["added"], result["sheet"]) == (1, "上报")
    assert stored(pool) == [("ZS-001", M, "tax_local", 10000)]

    # A hidden sheet named on purpose is read.
    result = pool.json("city-office", "actuals", "import", str(path), "--sheet", "草稿")
    assert (result["added"], result["sheet"]) == (1, "草稿")
    assert json.loads(pool.last_audit()["detail"])["sheet"] == "草稿"
    assert stored(pool) == [("ZS-001", M, "tax_local", 10000), ("ZS-002", M + 4, "fdi", 700)]

    message = refused(pool, path, "--sheet", "上報")
    assert (
        "sheets.xlsx: no sheet is named '上報'; its sheets are '草稿' (hidden), '旧版' (hidden), '上报'."
    ) in message
    assert "nothing was imported" in message.lower()

    csv = tmp_path / "a.csv"
    csv.write_text("project,period,metric,amount\nZS-001,2024-03,tax_local,1\n", encoding="utf-8")
    assert "a.csv: a CSV file has no sheets" in refused(pool, csv, "--sheet", "上报")


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_workbook_whose_sheets_are_all_hidden_names_them(pool: Pool, tmp_path: Path) -> None:
    path = workbook(tmp_path / "hidden.xlsx", {"A": [COLUMNS], "B": [COLUMNS]}, hidden=("A",))
    rewrite(path, "xl/workbook.xml", lambda xml: xml.replace('state="visible"', 'state="hidden"'))
    message = refused(pool, path)
    assert (
        "hidden.xlsx: every sheet is hidden; choose one with --sheet NAME: 'A' (hidden), 'B' (hidden)."
        in message
    )


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_rows_and_cells_beyond_the_sheets_dimension_are_read(pool: Pool, tmp_path: Path) -> None:
    rows = [COLUMNS] + [["ZS-001", f"2024-0{m}", "tax_local", m, None] for m in range(1, 5)]
    path = workbook(tmp_path / "dimension.xlsx", {"Sheet": rows})
    # A dimension that claims less than the sheet holds (written by another program, or stale).
    rewrite(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace('<dimension ref="A1:E5"', '<dimension ref="A1:D2"'),
    )
    result = pool.json("city-office", "actuals", "import", str(path))
    assert (result["rows"], result["added"]) == (4, 4)
    assert stored(pool) == [("ZS-001", M + m, "tax_local", (m + 1) * 100) for m in range(4)]

    rows = [COLUMNS, ["ZS-001", "2024-05", "tax_local", 5, None, "多余"]]
    path = workbook(tmp_path / "wide.xlsx", {"Sheet": rows})
    rewrite(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace('<dimension ref="A1:F2"', '<dimension ref="A1:E2"'),
    )
    assert "row 2: expected 5 columns, found 6" in refused(pool, path)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_sheet_whose_rows_are_out_of_order_is_refused(pool: Pool, tmp_path: Path) -> None:
    rows = [COLUMNS] + [["ZS-001", f"2024-0{m}", "tax_local", m, None] for m in range(1, 4)]
    path = workbook(tmp_path / "order.xlsx", {"Sheet": rows})

    def repeat_row_2(xml: str) -> str:  # row 4 written as a second row 2
        return xml.replace('<row r="4">', '<row r="2">').replace('r="A4"', 'r="A2"')

    rewrite(path, "xl/worksheets/sheet1.xml", repeat_row_2)
    message = refused(pool, path)
    assert "order.xlsx: the sheet lists row 2 after row 3; this is not a well-formed workbook." in message
    assert "nothing was imported" in message.lower()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_an_array_formulas_results_all_count_as_formula_values(pool: Pool, tmp_path: Path) -> None:
    from openpyxl.worksheet.formula import ArrayFormula

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    sheet.append(["ZS-001", "2024-01", "tax_local", None, None])
    sheet.append(["ZS-001", "2024-02", "tax_local", None, None])
    sheet["D2"] = ArrayFormula("D2:D3", "={5;6}")  # one formula whose results fill D2:D3
    path = tmp_path / "array.xlsx"
    book.save(path)
    message = refused(pool, path)
    assert f"row 2: D2 is a formula with no saved value; {ADVICE}" in message

    def results(xml: str) -> str:  # as Excel saves it: the results, the formula in D2 alone
        xml = re.sub(r'(<c r="D2"[^>]*><f t="array" ref="D2:D3">[^<]*</f>)<v\s*/>', r"\1<v>5</v>", xml)
        return xml.replace("</row></sheetData>", '<c r="D3" t="n"><v>6</v></c></row></sheetData>')

    rewrite(path, "xl/worksheets/sheet1.xml", results)
    lines = pool.ok("city-office", "actuals", "import", str(path)).stdout.splitlines()
    assert lines[1] == "2 values came from formulas (their saved results were used): D2, D3."
    assert stored(pool) == [("ZS-001", M, "tax_local", 500), ("ZS-001", M + 1, "tax_local", 600)]


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_short_row_is_judged_cell_by_cell(pool: Pool, tmp_path: Path) -> None:
    path = workbook(tmp_path / "short.xlsx", {"Sheet": [COLUMNS, ["ZS-001", "2024-01"]]})
    message = refused(pool, path)
    assert "row 2: the metric is empty; amount: an empty value is not an amount" in message
