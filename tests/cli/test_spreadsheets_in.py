"""Spreadsheets in, as Chinese offices keep them: Chinese headers, GBK CSV (what Excel saves as
plain CSV on Chinese Windows), a workbook whose first sheet is instructions, total rows (合计,
总计) skipped and named, amounts in 万 and 亿, metrics and indicators by their Chinese labels —
each imported exactly; a bad file refused with its rows named and nothing stored."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from support.databases import BACKENDS
from support.driver import Pool

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"
TABLES = ("actuals", "actual_revisions", "actual_imports", "targets")


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    p = Pool(db_url)
    p.init()
    p.add_actor("policy-desk", "policy")
    p.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    p.ok(
        "city-office",
        "project",
        "add",
        "ZS-001",
        "--name",
        "钒电池储能",
        "--investor",
        "某新能源公司",
        "--chain",
        "new_energy",
        "--kind",
        "manufacturing",
        "--investment",
        "300000000",
        "--capital-source",
        "out_of_city",
        "--origin",
        "zhashui",
    )
    yield p
    p.close()


def state(pool: Pool) -> dict[str, list[dict[str, Any]]]:
    return {t: pool.rows(t) for t in TABLES}


def stored(pool: Pool) -> list[tuple[str, str, str]]:
    return [(r["period"], r["metric"], r["amount"]) for r in pool.json("city-office", "actuals", "list")]


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


GBK_ACTUALS = (
    "项目编号,月份,指标,金额,备注\n"
    "ZS-001,2025-01,地方留成税收,90万,一月\n"  # a metric by its label, an amount in 万
    "ZS-001,2025-01,funds_domestic,2.8亿,\n"
    "ZS-001,2025-02,实际使用内资,1234.56,\n"
    "合计,,,28091234.56,\n"  # the office's own sum: skipped, and named
)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_gbk_csv_with_chinese_headers_and_a_total_row(pool: Pool, tmp_path: Path) -> None:
    path = tmp_path / "2025年1-2月.csv"
    path.write_bytes(GBK_ACTUALS.encode("gbk"))
    result = pool.json("city-office", "actuals", "import", str(path))
    assert result["encoding"] == "gb18030" and result["rows"] == 3 and result["added"] == 3
    assert result["skipped_totals"] == [{"row": 5, "label": "合计"}]
    # 90万 = 900,000.00 yuan; 2.8亿 = 280,000,000.00 yuan, exactly
    assert stored(pool) == [
        ("2025-01", "funds_domestic", "280000000.00"),
        ("2025-01", "tax_local", "900000.00"),
        ("2025-02", "funds_domestic", "1234.56"),
    ]
    notes = {
        (r["period"], r["metric"]): r["note"]
        for r in pool.json("city-office", "actuals", "list", "--revisions")
    }
    assert notes[("2025-01", "tax_local")] == "一月"
    table = pool.ok("city-office", "actuals", "import", str(path)).stdout
    assert "Row 5 skipped: 合计 is a total row." in table


def test_the_encoding_can_be_named(pool: Pool, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(GBK_ACTUALS.encode("gbk"))
    before = state(pool)
    wrong = pool.run("city-office", "actuals", "import", str(path), "--encoding", "utf-8")
    assert (
        wrong.exit_code == 1 and "line 1 is not UTF-8 text" in wrong.stderr and "--encoding" in wrong.stderr
    )
    assert state(pool) == before
    assert pool.json("city-office", "actuals", "import", str(path), "--encoding", "gbk")["added"] == 3
    # a UTF-8 file with a byte-order mark is read as UTF-8
    utf8 = tmp_path / "b.csv"
    utf8.write_bytes(b"\xef\xbb\xbf" + "project,period,metric,amount\nZS-001,2025-03,fdi,3.07万\n".encode())
    result = pool.json("city-office", "actuals", "import", str(utf8))
    assert result["encoding"] == "utf-8" and ("2025-03", "fdi", "30700.00") in stored(pool)


def test_a_workbook_whose_first_sheet_is_instructions(pool: Pool, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "报表.xlsx",
        {
            "填报说明": [["请在“数据”页填报,金额单位为元,可写作90万或2.8亿。"]],
            "数据": [
                ["项目编号", "月份", "指标", "金额"],
                ["ZS-001", "2025-03", "固定资产投资", "1.5亿"],
                ["ZS-001", "2025-03", "tax_local", 1234.5],
                ["总计", None, None, 150001234.5],
            ],
        },
    )
    before = state(pool)
    first = pool.run("city-office", "actuals", "import", str(path))
    assert first.exit_code == 1 and "row 1: the header must be project,period,metric,amount" in first.stderr
    assert state(pool) == before
    result = pool.json("city-office", "actuals", "import", str(path), "--sheet", "数据")
    assert result["sheet"] == "数据" and result["added"] == 2
    assert result["skipped_totals"] == [{"row": 4, "label": "总计"}]
    assert stored(pool) == [("2025-03", "fai", "150000000.00"), ("2025-03", "tax_local", "1234.50")]


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_bad_amounts_and_metrics_refuse_the_file_naming_every_row(pool: Pool, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(
        (
            "项目编号,月份,指标,金额\n"
            "ZS-001,2025-01,tax_local,1.234567万\n"  # 12345.67 yuan: fine
            "ZS-001,2025-01,fai,1.2345678万\n"  # 12345.678 yuan: a fraction of a fen
            "ZS-001,2025-02,黄金产量,10\n"  # no such metric or label
            "ZS-001,2025-02,fdi,九十万\n"  # not a number
        ).encode("gb18030")
    )
    before = state(pool)
    result = pool.run("city-office", "actuals", "import", str(path))
    assert result.exit_code == 1
    err = result.stderr
    assert "row 3" in err and "not a whole number of fen" in err
    assert "row 4" in err and "黄金产量" in err
    assert "row 5" in err
    assert "row 2" not in err
    assert "nothing was imported" in err.lower()
    assert state(pool) == before


GBK_TARGETS = (
    "地区,指标,年度,目标\n"
    "zhashui,实际使用内资(统计),2025,5.2亿\n"
    "丹凤县,statistics:funds,2025年,3亿\n"  # a region by its name, a year written 2025年
    "shangluo,statistics:funds,2025,34.89亿\n"
    "合  计,,,\n"
)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_targets_import_from_gbk_csv(pool: Pool, tmp_path: Path) -> None:
    path = tmp_path / "2025年目标.csv"
    path.write_bytes(GBK_TARGETS.encode("gbk"))
    result = pool.json("city-office", "target", "import", str(path))
    assert result["rows"] == 3 and result["set"] == 3 and result["encoding"] == "gb18030"
    assert result["skipped_totals"] == [{"row": 5, "label": "合计"}]
    listed = {
        (t["region"], t["indicator"], t["year"]): t["amount"]
        for t in pool.json("policy-desk", "target", "list")
    }
    assert listed == {
        ("zhashui", "statistics:funds", 2025): "520000000.00",
        ("danfeng", "statistics:funds", 2025): "300000000.00",
        ("shangluo", "statistics:funds", 2025): "3489000000.00",
    }
    # the same file again sets nothing new
    again = pool.json("city-office", "target", "import", str(path))
    assert again["set"] == 0 and again["unchanged"] == 3
    assert len(pool.rows("targets")) == 3


def test_targets_import_from_a_workbook_sheet(pool: Pool, tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "目标.xlsx",
        {
            "说明": [["目标单位:元"]],
            "目标": [["region", "indicator", "year", "amount"], ["luonan", "固定资产投资", 2025, 120000000]],
        },
    )
    result = pool.json("city-office", "target", "import", str(path), "--sheet", "目标")
    assert result["sheet"] == "目标" and result["set"] == 1
    assert pool.json("city-office", "target", "list")[0]["amount"] == "120000000.00"


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_bad_targets_file_is_refused_whole(pool: Pool, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "地区,指标,年度,目标\n"
        "zhashui,statistics:funds,2025,100\n"
        "atlantis,statistics:funds,2025,100\n"
        "zhashui,实际使用内资,2025,100\n"
        "luonan,statistics:fai,20x5,-3\n"
        "zhashui,statistics:funds,2025,200\n",
        encoding="utf-8",
    )
    before = state(pool)
    result = pool.run("city-office", "target", "import", str(path))
    assert result.exit_code == 1
    err = result.stderr
    assert "4 bad rows; nothing was imported" in err
    assert "row 3: there is no region 'atlantis'" in err
    assert "row 4:" in err and "more than one indicator" in err
    assert "row 5:" in err and "not a year" in err and "negative" in err
    assert "row 6: repeats row 2" in err
    assert state(pool) == before
    bad_header = tmp_path / "h.csv"
    bad_header.write_text("地区,指标,年度,金额数\nzhashui,statistics:funds,2025,1\n", encoding="utf-8")
    refused = pool.run("city-office", "target", "import", str(bad_header))
    assert refused.exit_code == 1 and "'金额数' is not a column" in refused.stderr
    denied = pool.run("policy-desk", "target", "import", str(path))
    assert denied.exit_code == 3
    assert state(pool) == before
