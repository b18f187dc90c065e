"""Spreadsheets out: the bulletin workbook (formats, print set-up, native charts, a LibreOffice
render), `--format xlsx --out` on the lists, CSV files with a byte-order mark, and the refusals."""

import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from support.bulletin import bulletin_pool
from support.driver import Pool

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("POOL_TEST_ARTEFACTS", ROOT / "build" / "artefacts"))


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Pool]:
    path = tmp_path_factory.mktemp("xlsx") / "pool.db"
    shutil.copy(sqlite_template, path)
    p = bulletin_pool(f"sqlite:///{path}")
    yield p
    p.close()


@pytest.fixture(scope="module")
def workbook(pool: Pool, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("book") / "通报-2025Q1.xlsx"
    result = pool.ok(
        "zhashui-bureau", "report", "bulletin", "--period", "2025Q1", "--format", "xlsx", "--out", str(out)
    )
    assert str(out) in result.stderr
    return out


def test_the_bulletin_workbook_holds_numbers_in_their_formats(workbook: Path) -> None:
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == [
        "地方留成税收",
        "实际使用内资(统计)",
        "外商直接投资",
        "固定资产投资",
        "实际使用内资(考核)",
        "本期活动",
    ]
    ws = book["实际使用内资(统计)"]
    assert ws["A1"].value == "实际使用内资(统计)(statistics:funds) 2025Q1(2025-01 至 2025-03) 单位:CNY"
    assert [c.value for c in ws[2]][:8] == [
        "地区",
        "本期",
        "本年累计",
        "年度目标",
        "完成%",
        "去年同期累计",
        "同比%",
        "排名",
    ]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=3, max_row=10)}
    zhashui = rows["柞水县"]
    # 930.00 of a 2000.00 target: 46.5%, rank 2; last year 100.00: +830.0%
    # numbers, as the decimal digits the report gives (0.465 is 46.5% with a percent format)
    assert [c.value for c in zhashui[:8]] == ["柞水县", 930, 930, 2000, 0.465, 100, 8.3, 2]
    assert [c.number_format for c in zhashui[1:8]] == [
        "#,##0.00",
        "#,##0.00",
        "#,##0.00",
        "0.0%",
        "#,##0.00",
        "0.0%",
        "0",
    ]
    total = rows["全市合计"]
    assert total[1].value == 1000 and total[3].value == 3000 and total[1].font.b
    # an empty target stays an empty cell, not zero
    assert rows["洛南县"][3].value is None and rows["洛南县"][4].value is None
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows == "$2:$2"
    assert int(ws.page_setup.paperSize) == 9  # A4 and ws.page_setup.fitToWidth == 1
    # the monthly trend beside the table
    assert [(ws.cell(r, 10).value, ws.cell(r, 11).value) for r in range(1, 5)] == [
        ("月份", "全市当月"),
        ("2025-01", 270),
        ("2025-02", 330),
        ("2025-03", 400),
    ]
    activity = book["本期活动"]
    assert ("开工率%", "50.0") in [(r[0].value, r[1].value) for r in activity.iter_rows(min_row=3)]


def test_the_bulletin_workbook_carries_native_charts_over_its_ranges(workbook: Path) -> None:
    with zipfile.ZipFile(workbook) as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        assert len(charts) == 10  # completion by county and the monthly trend, per indicator
        xml = {n: z.read(n).decode() for n in charts}
    funds = [x for x in xml.values() if "'实际使用内资(统计)'!" in x]
    bar = next(x for x in funds if "<barChart>" in x)
    line = next(x for x in funds if "<lineChart>" in x)
    # the counties' completion (column E, rows 3..9: the city total is not a county)
    assert "<f>'实际使用内资(统计)'!$E$3:$E$9</f>" in bar
    assert "<strRef><f>'实际使用内资(统计)'!$A$3:$A$9</f></strRef>" in bar
    assert "年度目标完成率" in bar
    assert "<f>'实际使用内资(统计)'!$K$2:$K$4</f>" in line
    assert "<strRef><f>'实际使用内资(统计)'!$J$2:$J$4</f></strRef>" in line


@pytest.mark.skipif(
    shutil.which("soffice") is None and os.environ.get("CI") != "true",
    reason="LibreOffice is not installed (.ci/run installs it)",
)
def test_libreoffice_renders_the_bulletin_workbook(workbook: Path, tmp_path: Path) -> None:
    """The workbook as LibreOffice prints it, to PNG pages kept as artefacts to look at."""
    assert shutil.which("soffice") and shutil.which("pdftoppm"), (
        "install libreoffice-calc-nogui poppler-utils"
    )
    source = tmp_path / "bulletin.xlsx"
    shutil.copy(workbook, source)
    profile = tmp_path / "profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = tmp_path / "bulletin.pdf"
    assert pdf.stat().st_size > 0
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTEFACTS.glob("bulletin-2025Q1-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", str(pdf), str(ARTEFACTS / "bulletin-2025Q1")],
        check=True,
        timeout=120,
    )
    pages = sorted(ARTEFACTS.glob("bulletin-2025Q1-*.png"))
    assert len(pages) == 6  # one A4 page per sheet
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "实际使用内资" in text and "年度目标完成率" in text and "930.00" in text and "46.5%" in text


def test_lists_write_xlsx_with_chinese_headers(pool: Pool, tmp_path: Path) -> None:
    out = tmp_path / "projects.xlsx"
    pool.ok("city-office", "project", "list", "--format", "xlsx", "--out", str(out))
    ws = openpyxl.load_workbook(out).active
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["项目编号", "名称", "投资方"]
    assert "计划总投资" in headers
    money = ws.cell(2, headers.index("计划总投资") + 1)
    assert money.value == 200000000 and money.number_format == "#,##0.00"
    for args, name in (
        (["report", "balances"], "balances.xlsx"),
        (["report", "payables", "--year", "2025"], "payables.xlsx"),
        (["report", "statement", "zhashui", "--year", "2025"], "statement.xlsx"),
        (["listing", "list"], "listings.xlsx"),
        (["transfer", "list"], "transfers.xlsx"),
        (["actuals", "list"], "actuals.xlsx"),
        (["target", "list"], "targets.xlsx"),
    ):
        target = tmp_path / name
        pool.ok("city-office", *args, "--format", "xlsx", "--out", str(target))
        sheet = openpyxl.load_workbook(target).active
        assert sheet.max_row >= 2 and sheet.freeze_panes == "A2", args


def test_xlsx_cells_that_would_run_as_formulas_are_neutralised(pool: Pool, tmp_path: Path) -> None:
    pool.ok(
        "zhashui-bureau",
        "project",
        "add",
        "ZS-900",
        "--name",
        '=HYPERLINK("http://x","y")',
        "--investor",
        "@SUM(A1)",
        "--chain",
        "electronics",
        "--kind",
        "manufacturing",
        "--investment",
        "50000000",
        "--capital-source",
        "out_of_city",
    )
    out = tmp_path / "p.xlsx"
    pool.ok("city-office", "project", "list", "--format", "xlsx", "--out", str(out))
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    ws = openpyxl.load_workbook(out).active
    values = {c.value for row in ws.iter_rows() for c in row}
    assert '\'=HYPERLINK("http://x","y")' in values and "'@SUM(A1)" in values


def test_csv_files_start_with_a_byte_order_mark(pool: Pool, tmp_path: Path) -> None:
    out = tmp_path / "通报.csv"
    pool.ok(
        "zhashui-bureau", "report", "bulletin", "--period", "2025Q1", "--format", "csv", "--out", str(out)
    )
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("indicator,label,unit,region")
    assert (
        "statistics:funds,实际使用内资(统计),CNY,zhashui,柞水县,930.00,930.00,2000.00,46.5,100.00,830.0,2"
        in lines
    )


def test_an_existing_file_or_the_database_is_never_replaced_without_force(pool: Pool, tmp_path: Path) -> None:
    out = tmp_path / "b.xlsx"
    out.write_bytes(b"keep")
    refused = pool.run("city-office", "report", "balances", "--format", "xlsx", "--out", str(out))
    assert refused.exit_code == 1 and "already exists" in refused.stderr and out.read_bytes() == b"keep"
    pool.ok("city-office", "report", "balances", "--format", "xlsx", "--out", str(out), "--force")
    assert zipfile.is_zipfile(out)
    database = Path(pool.url.removeprefix("sqlite:///"))
    before = database.read_bytes()
    refused = pool.run(
        "city-office", "report", "balances", "--format", "csv", "--out", str(database), "--force"
    )
    assert refused.exit_code == 1 and "is the database this command uses" in refused.stderr
    assert database.read_bytes() == before
    missing = pool.run("city-office", "report", "balances", "--format", "xlsx")
    assert missing.exit_code == 2 and "--out FILE.xlsx" in missing.stderr
    assert not list(tmp_path.glob(".*.partial"))


def test_out_needs_a_file_format_and_writes_json_too(pool: Pool, tmp_path: Path) -> None:
    out = tmp_path / "balances.txt"
    refused = pool.run("city-office", "report", "balances", "--out", str(out))
    assert refused.exit_code == 2 and "add --format json|csv|xlsx" in refused.stderr and not out.exists()
    written = tmp_path / "balances.json"
    result = pool.ok("city-office", "report", "balances", "--format", "json", "--out", str(written))
    assert result.stdout == "" and written.read_text(encoding="utf-8").startswith("[")
