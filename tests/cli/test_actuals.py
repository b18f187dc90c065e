"""`pool actuals import|list` through the command line, on
SQLite and PostgreSQL, asserting on the stored rows: valid files are stored, every invalid file is
refused whole with its row-numbered messages and leaves every table as it was."""

import hashlib
import json
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from support.databases import BACKENDS
from support.driver import STATE_TABLES, Pool

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"
ACTUALS_TABLES = ("actuals", "actual_revisions", "actual_imports", "period_closes")
HEADER = "project,period,metric,amount,note\n"
BASE = HEADER + "ZS-001,2024-01,tax_local,100,一月\nZS-001,2024-02,tax_local,200.5,\n"
M = 2024 * 12  # the month number of 2024-01


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    """A pool with the city, a county, policy staff and an auditor; shangluo-default published
    (metrics tax_local, funds_domestic, fdi, fai); projects ZS-001 and ZS-002 registered."""
    p = Pool(db_url)
    p.init()
    p.add_actor("zhashui-bureau", "county", "zhashui")
    p.add_actor("policy-desk", "policy")
    p.add_actor("audit-bureau", "auditor")
    p.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    for code, name in (("ZS-001", "无人机整机制造项目"), ("ZS-002", "智能穿戴产品生产项目")):
        p.ok(
            "zhashui-bureau",
            "project",
            "add",
            code,
            "--name",
            name,
            "--investor",
            f"{name}公司",
            "--chain",
            "electronics",
            "--kind",
            "manufacturing",
            "--investment",
            "80000000",
            "--capital-source",
            "out_of_city",
        )
    yield p
    p.close()


def write(tmp_path: Path, content: str | bytes, name: str = "actuals.csv", *, bom: bool = False) -> str:
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return str(path)


def state(pool: Pool) -> dict[str, list[dict[str, Any]]]:
    return {t: pool.rows(t) for t in STATE_TABLES + ACTUALS_TABLES}


def project_id(pool: Pool, code: str) -> int:
    return int(pool.one("projects", code=code)["id"])


def imported(pool: Pool, path: str, *extra: str) -> dict[str, Any]:
    return pool.json("city-office", "actuals", "import", path, *extra)  # type: ignore[no-any-return]


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_a_valid_csv_is_stored(pool: Pool, tmp_path: Path, bom: bool) -> None:
    path = write(tmp_path, BASE + "ZS-002,2024-01,funds_domestic,3000000.00,到位资金\n", bom=bom)
    result = imported(pool, path)
    assert (result["rows"], result["added"], result["restated"], result["unchanged"]) == (3, 3, 0, 0)
    zs1, zs2 = project_id(pool, "ZS-001"), project_id(pool, "ZS-002")
    record = pool.one("actual_imports")
    assert record["id"] == result["import"] and record["file_name"] == "actuals.csv"
    assert record["sha256"] == hashlib.sha256(Path(path).read_bytes()).hexdigest()
    assert (record["rows"], record["added"], record["restated"], record["unchanged"]) == (3, 3, 0, 0)
    assert record["reason"] is None
    assert record["actor_id"] == pool.one("actors", name="city-office")["id"]
    stored = [
        (a["project_id"], a["period"], a["metric"], a["amount"], a["revision"], a["import_id"])
        for a in pool.rows("actuals")
    ]
    assert sorted(stored) == sorted(
        [
            (zs1, M, "tax_local", 10000, 1, record["id"]),
            (zs1, M + 1, "tax_local", 20050, 1, record["id"]),
            (zs2, M, "funds_domestic", 300000000, 1, record["id"]),
        ]
    )
    revisions = [
        (r["project_id"], r["period"], r["metric"], r["amount"], r["revision"], r["note"])
        for r in pool.rows("actual_revisions")
    ]
    assert sorted(revisions) == sorted(
        [
            (zs1, M, "tax_local", 10000, 1, "一月"),
            (zs1, M + 1, "tax_local", 20050, 1, ""),
            (zs2, M, "funds_domestic", 300000000, 1, "到位资金"),
        ]
    )
    audit = pool.last_audit()
    assert (audit["action"], audit["outcome"], audit["actor"]) == ("actuals.import", "ok", "city-office")
    assert json.loads(audit["detail"])["added"] == 3
    table = pool.ok("city-office", "actuals", "import", path).stdout
    assert "Nothing changed" in table


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_an_xlsx_is_stored(pool: Pool, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["project", "period", "metric", "amount", "note"])
    sheet.append(["ZS-001", "2024-01", "tax_local", 1234.5, "文本月份"])  # a number cell
    sheet.append(["ZS-001", date(2024, 2, 1), "tax_local", 200, None])  # a date cell, an int
    sheet.append([None, None, None, None, None])  # blank rows are skipped
    sheet.append(["ZS-002", "2024-03", "fdi", "99.99", "text amount"])
    path = tmp_path / "actuals.xlsx"
    book.save(path)
    result = imported(pool, str(path))
    assert (result["rows"], result["added"]) == (3, 3)
    zs1, zs2 = project_id(pool, "ZS-001"), project_id(pool, "ZS-002")
    assert sorted(
        (a["project_id"], a["period"], a["metric"], a["amount"]) for a in pool.rows("actuals")
    ) == sorted([(zs1, M, "tax_local", 123450), (zs1, M + 1, "tax_local", 20000), (zs2, M + 2, "fdi", 9999)])
    assert pool.one("actual_imports")["file_name"] == "actuals.xlsx"

    # A bad spreadsheet row is named by its spreadsheet row number.
    book = Workbook()
    sheet = book.active
    sheet.append(["project", "period", "metric", "amount"])
    sheet.append(["ZS-001", "2024-04", "tax_local", 1.234])
    sheet.append(["ZS-001", "2024-04", "tax_local", -3])
    book.save(path)
    before = state(pool)
    result = pool.run("city-office", "actuals", "import", str(path))
    assert result.exit_code == 1
    assert "row 2: amount: '1.234' has more than two decimals" in result.stderr
    assert "row 3: amount: " in result.stderr and "is negative" in result.stderr
    assert state(pool) == before


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_identical_reimport_is_a_no_op(pool: Pool, tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    imported(pool, path)
    before = state(pool)
    again = imported(pool, path)
    assert again["changed"] is False and again["import"] is None
    assert (again["rows"], again["added"], again["restated"], again["unchanged"]) == (2, 0, 0, 2)
    assert state(pool) == before
    audit = pool.last_audit()
    assert audit["outcome"] == "ok" and json.loads(audit["detail"])["unchanged"] == 2


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_restatement_needs_restate_and_keeps_the_old_revision(pool: Pool, tmp_path: Path) -> None:
    first = imported(pool, write(tmp_path, BASE))
    changed = write(
        tmp_path,
        HEADER + "ZS-001,2024-01,tax_local,150,税务局更正\n"
        "ZS-001,2024-02,tax_local,200.50,\nZS-002,2024-02,fai,7,\n",
        "fix.csv",
    )
    before = state(pool)
    refused = pool.run("city-office", "actuals", "import", changed)
    assert refused.exit_code == 1
    assert (
        "row 2: ZS-001 2024-01 tax_local is stored as 100.00 (revision 1); 150.00 would "
        "restate it: use --restate --reason TEXT"
    ) in refused.stderr
    assert "1 bad row; nothing was imported" in refused.stderr
    assert state(pool) == before
    assert pool.last_audit()["outcome"] == "invalid"

    no_reason = pool.run("city-office", "actuals", "import", changed, "--restate")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.stderr
    assert state(pool) == before

    result = imported(pool, changed, "--restate", "--reason", "税务局更正申报")
    assert (result["added"], result["restated"], result["unchanged"]) == (1, 1, 1)
    zs1 = project_id(pool, "ZS-001")
    current = pool.one("actuals", project_id=zs1, period=M)
    assert (current["amount"], current["revision"], current["import_id"]) == (15000, 2, result["import"])
    history = pool.rows("actual_revisions", project_id=zs1, period=M)
    assert [(r["revision"], r["amount"], r["import_id"], r["note"]) for r in history] == [
        (1, 10000, first["import"], "一月"),
        (2, 15000, result["import"], "税务局更正"),
    ]
    assert pool.one("actuals", project_id=zs1, period=M + 1)["revision"] == 1
    record = pool.one("actual_imports", id=result["import"])
    assert (record["reason"], record["restated"], record["added"]) == ("税务局更正申报", 1, 1)

    listed = pool.json(
        "audit-bureau", "actuals", "list", "--project", "ZS-001", "--period", "2024-01", "--revisions"
    )
    assert [(r["revision"], r["amount"], r["reason"], r["actor"], r["note"]) for r in listed] == [
        (1, "100.00", None, "city-office", "一月"),
        (2, "150.00", "税务局更正申报", "city-office", "税务局更正"),
    ]
    assert all(r["at"].endswith("Z") for r in listed)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_list_filters_and_formats(pool: Pool, tmp_path: Path) -> None:
    imported(pool, write(tmp_path, BASE + "ZS-002,2024-01,fdi,5,\n"))
    rows = pool.json("zhashui-bureau", "actuals", "list")
    assert [set(r) for r in rows] == [{"id", "project", "period", "metric", "amount", "revision"}] * 3
    assert [(r["project"], r["period"], r["metric"], r["amount"], r["revision"]) for r in rows] == [
        ("ZS-001", "2024-01", "tax_local", "100.00", 1),
        ("ZS-001", "2024-02", "tax_local", "200.50", 1),
        ("ZS-002", "2024-01", "fdi", "5.00", 1),
    ]
    assert [r["project"] for r in pool.json("policy-desk", "actuals", "list", "--metric", "fdi")] == [
        "ZS-002"
    ]
    assert len(pool.json("policy-desk", "actuals", "list", "--period", "2024-01")) == 2
    assert len(pool.json("policy-desk", "actuals", "list", "--project", "ZS-001")) == 2
    table = pool.ok("audit-bureau", "actuals", "list").stdout
    assert "地方留成税收 tax_local" in table and "200.50" in table
    csv_out = pool.ok("audit-bureau", "actuals", "list", "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "\ufeffid,project,period,metric,amount,revision"  # a byte-order mark for Excel
    bad = pool.run("audit-bureau", "actuals", "list", "--period", "2024-13")
    assert bad.exit_code == 1 and "the month must be 01 to 12" in bad.stderr


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_only_the_city_imports(pool: Pool, tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    before = state(pool)
    for who in ("zhashui-bureau", "policy-desk", "audit-bureau"):
        result = pool.run(who, "actuals", "import", path)
        assert result.exit_code == 3, (who, result.stderr)
        assert "may not import actuals" in result.stderr
        assert pool.last_audit()["outcome"] == "denied"
    wrong = pool.run("city-office", "actuals", "import", path, token="not-the-token")
    assert wrong.exit_code == 3
    assert state(pool) == before


def _close_through_february(pool: Pool) -> None:
    pool.ok("city-office", "settle", "2024-02")
    pool.ok("city-office", "period", "close", "2024-02")


# (case, file content, file name, exit code, fragments of the message, setup)
INVALID: list[tuple[str, str | bytes, str, list[str]]] = [
    (
        "unknown project",
        "ZS-999,2024-03,tax_local,1,\n",
        "actuals.csv",
        ["row 2: project 'ZS-999' is not registered"],
    ),
    (
        "unknown metric",
        "ZS-001,2024-03,gdp,1,\n",
        "actuals.csv",
        [
            "row 2: metric 'gdp' is not declared by a published ruleset",
            "Metrics the published rulesets declare: fai, fdi, funds_domestic, tax_local.",
        ],
    ),
    (
        "month 13",
        "ZS-001,2024-13,tax_local,1,\n",
        "actuals.csv",
        ["row 2: period: '2024-13' is not a month; the month must be 01 to 12"],
    ),
    (
        "month without zero",
        "ZS-001,2024-3,tax_local,1,\n",
        "actuals.csv",
        ["row 2: period: '2024-3' is not a month; write it as YYYY-MM"],
    ),
    ("month as text", "ZS-001,三月,tax_local,1,\n", "actuals.csv", ["row 2: period: '三月' is not a month"]),
    (
        "negative",
        "ZS-001,2024-03,tax_local,-5,\n",
        "actuals.csv",
        [
            "row 2: amount: -5.00 is negative; amounts may not be negative, except of a metric its "
            "ruleset declares `signed: true` (refunds, 退库), and tax_local is not one"
        ],
    ),
    (
        "non-numeric",
        "ZS-001,2024-03,tax_local,一百,\n",
        "actuals.csv",
        ["row 2: amount: '一百' is not an amount"],
    ),
    (
        "over-precise",
        "ZS-001,2024-03,tax_local,1.234,\n",
        "actuals.csv",
        ["row 2: amount: '1.234' has more than two decimals"],
    ),
    ("exponent", "ZS-001,2024-03,tax_local,1e5,\n", "actuals.csv", ["row 2: amount: '1e5' uses an exponent"]),
    (
        "duplicate key",
        "ZS-001,2024-03,tax_local,1,\nZS-002,2024-03,tax_local,1,\nZS-001,2024-03,tax_local,1,\n",
        "actuals.csv",
        ["row 4: repeats the project, period and metric of row 2", "1 bad row;"],
    ),
    (
        "restatement without --restate",
        "ZS-001,2024-02,tax_local,999,\n",
        "actuals.csv",
        ["row 2: ZS-001 2024-02 tax_local is stored as 200.50 (revision 1); 999.00 would restate"],
    ),
    (
        "new value in a closed period",
        "ZS-002,2024-02,fai,1,\nZS-002,2024-03,fai,1,\n",
        "actuals.csv",
        [
            "row 2: 2024-02 is closed (periods through 2024-02 are); a new value there "
            "is a restatement: use --restate --reason TEXT",
            "1 bad row;",
        ],
    ),
    ("empty file", b"", "actuals.csv", ["the file is empty"]),
    ("header only", HEADER, "actuals.csv", ["has a header but no rows"]),
    (
        "wrong header",
        b"proj,month,metric,value\nZS-001,2024-03,tax_local,1\n",
        "actuals.csv",
        ["row 1: the header must be project,period,metric,amount"],
    ),
    ("binary csv", random.Random(7).randbytes(4096), "actuals.csv", ["nothing was imported"]),
    ("binary xlsx", random.Random(8).randbytes(4096), "actuals.xlsx", ["not a readable XLSX workbook"]),
    (
        "neither UTF-8 nor GB18030",
        HEADER.encode() + b"ZS-001,2024-03,tax_local,1,\xff\n",
        "actuals.csv",
        ["line 2 is not GB18030 text", "--encoding"],
    ),
    (
        "NUL byte",
        HEADER.encode() + b"ZS-001,2024-03,tax_\x00local,1,\n",
        "actuals.csv",
        ["line 2 holds a NUL character"],
    ),
    ("too few columns", "ZS-001,2024-03\n", "actuals.csv", ["row 2: expected 5 columns, found 2"]),
    ("another format", HEADER, "actuals.txt", ["must be .csv or .xlsx"]),
]


def _content(case: str, content: str | bytes) -> str | bytes:
    """Rows without a header get the standard one; whole files are used as they are."""
    if isinstance(content, bytes) or content.startswith("project,"):
        return content
    return HEADER + content


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(("case", "content", "name", "fragments"), INVALID, ids=[c[0] for c in INVALID])
def test_an_invalid_file_changes_nothing(
    pool: Pool, tmp_path: Path, case: str, content: str | bytes, name: str, fragments: list[str]
) -> None:
    imported(pool, write(tmp_path, BASE, "base.csv"))
    if case == "new value in a closed period":
        _close_through_february(pool)
    path = write(tmp_path, _content(case, content), name)
    before = state(pool)
    result = pool.run("city-office", "actuals", "import", path)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    message = result.stderr
    assert message.startswith("Error: ") and "Traceback" not in message
    for fragment in fragments:
        assert fragment.lower() in message.lower(), message
    assert "nothing was imported" in message.lower()
    assert state(pool) == before
    audit = pool.last_audit()
    assert (audit["action"], audit["outcome"]) == ("actuals.import", "invalid")


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_every_bad_row_is_reported(pool: Pool, tmp_path: Path) -> None:
    imported(pool, write(tmp_path, BASE, "base.csv"))
    path = write(
        tmp_path,
        HEADER
        + "ZS-001,2024-03,tax_local,10,\n"  # 2 good
        + "ZS-404,2024-03,tax_local,10,\n"  # 3 unknown project
        + "ZS-001,2024-03,gdp,10,\n"  # 4 unknown metric
        + "ZS-001,2024-13,tax_local,1.234,\n"  # 5 two problems
        + "ZS-001,2024-03,tax_local,11,\n"  # 6 repeats row 2
        + "ZS-001,2024-01,tax_local,99,\n"  # 7 restatement
        + "ZS-404,2024-3,gdp,x,\n"  # 8 everything at once
        + "ZS-002,2024-03,fdi,5,\n",
    )  # 9 good
    before = state(pool)
    result = pool.run("city-office", "actuals", "import", path)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: actuals.csv: 6 bad rows; nothing was imported."
    rows = [line.split(":")[0].strip() for line in lines[1:8]]
    assert rows == [f"row {n}" for n in (3, 4, 5, 6, 7, 8)] + ["Metrics the published rulesets declare"]
    assert "row 5: period: '2024-13' is not a month" in result.stderr
    assert "amount: '1.234' has more than two decimals" in result.stderr
    assert "row 6: repeats the project, period and metric of row 2" in result.stderr
    row8 = next(line for line in lines if line.strip().startswith("row 8:"))
    assert "period:" in row8 and "amount:" in row8 and "'ZS-404' is not registered" in row8
    assert "'gdp' is not declared" in row8
    assert state(pool) == before


def test_the_printed_list_stops_at_100_rows(db_url: str, tmp_path: Path) -> None:
    p = Pool(db_url)
    try:
        p.init()
        p.add_actor("policy-desk", "policy")
        p.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
        path = write(tmp_path, HEADER + "".join(f"NOPE-{n},2024-01,tax_local,1,\n" for n in range(250)))
        result = p.run("city-office", "actuals", "import", path)
        assert result.exit_code == 1
        lines = result.stderr.splitlines()
        assert lines[0] == "Error: actuals.csv: 250 bad rows; nothing was imported."
        assert lines[1] == "  row 2: project 'NOPE-0' is not registered"
        assert lines[100] == "  row 101: project 'NOPE-99' is not registered"
        assert lines[101] == "  … and 150 more bad rows"
        assert len(lines) == 102
        assert p.rows("actuals") == [] and p.rows("actual_imports") == []
    finally:
        p.close()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_restating_a_closed_period(pool: Pool, tmp_path: Path) -> None:
    imported(pool, write(tmp_path, BASE, "base.csv"))
    _close_through_february(pool)
    path = write(tmp_path, HEADER + "ZS-001,2024-02,tax_local,300,\nZS-002,2024-01,fai,4,\n")
    result = imported(pool, path, "--restate", "--reason", "审计调整")
    assert (result["added"], result["restated"]) == (1, 1)
    zs1 = project_id(pool, "ZS-001")
    assert pool.one("actuals", project_id=zs1, period=M + 1)["revision"] == 2


def test_no_published_ruleset_means_no_metric(db_url: str, tmp_path: Path) -> None:
    p = Pool(db_url)
    try:
        p.init()
        result = p.run("city-office", "actuals", "import", write(tmp_path, BASE))
        assert result.exit_code == 1 and "No ruleset is published" in result.stderr
    finally:
        p.close()


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_note_is_kept_exactly_as_written(pool: Pool, tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = write(
        tmp_path,
        HEADER + 'ZS-001,2024-01,tax_local,100,"  padded note  "\n'
        "ZS-001,2024-02,tax_local,200,   \n"  # only whitespace: no note
        'ZS-001,2024-03,tax_local, 300 ,"  careful path  "\n'  # a padded amount: the careful path
        'ZS-002,2024-01,fdi,5,"两行\n 备注 "\n',
    )
    imported(pool, path)
    book = Workbook()
    sheet = book.active
    sheet.append(["project", "period", "metric", "amount", "note"])
    sheet.append(["ZS-002", "2024-02", "fdi", "6", " xlsx text "])  # the fast path
    sheet.append(["ZS-002", "2024-03", "fdi", 7.5, "\tnumber amount\t"])  # the careful path
    sheet.append(["ZS-002", "2024-04", "fdi", 8, "  "])
    book.save(tmp_path / "notes.xlsx")
    imported(pool, str(tmp_path / "notes.xlsx"))
    listed = pool.json("audit-bureau", "actuals", "list", "--revisions")
    assert [(r["project"], r["period"], r["note"]) for r in listed] == [
        ("ZS-001", "2024-01", "  padded note  "),
        ("ZS-001", "2024-02", ""),
        ("ZS-001", "2024-03", "  careful path  "),
        ("ZS-002", "2024-01", "两行\n 备注 "),
        ("ZS-002", "2024-02", " xlsx text "),
        ("ZS-002", "2024-03", "\tnumber amount\t"),
        ("ZS-002", "2024-04", ""),
    ]
    # The same notes again change nothing.
    assert imported(pool, path)["changed"] is False
    assert imported(pool, str(tmp_path / "notes.xlsx"))["changed"] is False


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_a_corrected_note_is_a_restatement(pool: Pool, tmp_path: Path) -> None:
    first = imported(pool, write(tmp_path, BASE, "base.csv"))  # 2024-01 100 一月; 2024-02 200.50 no note
    fix = write(
        tmp_path,
        HEADER + "ZS-001,2024-01,tax_local,100.00,一月（含补报）\nZS-001,2024-02,tax_local,200.5,\n",
        "fix.csv",
    )
    before = state(pool)
    refused = pool.run("city-office", "actuals", "import", fix)
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        "Error: fix.csv: 1 bad row; nothing was imported.",
        "  row 2: ZS-001 2024-01 tax_local is stored as 100.00 (revision 1) with the note '一月'; "
        "the note '一月（含补报）' would restate it: use --restate --reason TEXT to restate",
    ]
    assert state(pool) == before
    audit = pool.last_audit()
    assert (audit["action"], audit["outcome"]) == ("actuals.import", "invalid")

    restated = pool.ok("city-office", "actuals", "import", fix, "--restate", "--reason", "补充说明")
    assert "2 rows, 0 added, 1 restated, 1 unchanged" in restated.stdout
    record = pool.rows("actual_imports")[-1]
    assert (record["rows"], record["added"], record["restated"], record["unchanged"]) == (2, 0, 1, 1)
    assert record["reason"] == "补充说明"
    zs1 = project_id(pool, "ZS-001")
    current = pool.one("actuals", project_id=zs1, period=M)
    assert (current["amount"], current["revision"], current["import_id"]) == (10000, 2, record["id"])
    assert pool.one("actuals", project_id=zs1, period=M + 1)["revision"] == 1
    history = pool.rows("actual_revisions", project_id=zs1, period=M)
    assert [(r["revision"], r["amount"], r["note"], r["import_id"]) for r in history] == [
        (1, 10000, "一月", first["import"]),
        (2, 10000, "一月（含补报）", record["id"]),
    ]

    # The same value with the same note is still a no-op, with or without --restate.
    before = state(pool)
    for extra in ([], ["--restate", "--reason", "again"]):
        again = imported(pool, fix, *extra)
        assert again["changed"] is False and (again["restated"], again["unchanged"]) == (0, 2)
    assert state(pool) == before

    # A note cell left empty is no note: it differs from a stored one. A file without a note
    # column says nothing about notes, so only its amounts are compared.
    emptied = write(tmp_path, HEADER + "ZS-001,2024-01,tax_local,100,\n", "emptied.csv")
    refused = pool.run("city-office", "actuals", "import", emptied)
    assert refused.exit_code == 1
    assert (
        "row 2: ZS-001 2024-01 tax_local is stored as 100.00 (revision 2) with the note '一月（含补报）'; "
        "no note would restate it: use --restate --reason TEXT to restate"
    ) in refused.stderr
    assert state(pool) == before
    no_column = write(tmp_path, "project,period,metric,amount\nZS-001,2024-01,tax_local,100\n", "bare.csv")
    assert imported(pool, no_column)["changed"] is False
    assert state(pool) == before

    # A new amount and a new note together are one restatement, named once.
    both = write(tmp_path, HEADER + "ZS-001,2024-02,tax_local,250,二月更正\n", "both.csv")
    refused = pool.run("city-office", "actuals", "import", both)
    assert (
        "row 2: ZS-001 2024-02 tax_local is stored as 200.50 (revision 1); 250.00 would restate it: "
        "use --restate --reason TEXT to restate"
    ) in refused.stderr
    result = imported(pool, both, "--restate", "--reason", "更正")
    assert (result["added"], result["restated"], result["unchanged"]) == (0, 1, 0)
    assert [(r["revision"], r["amount"], r["note"]) for r in pool.rows("actual_revisions", period=M + 1)] == [
        (1, 20050, ""),
        (2, 25000, "二月更正"),
    ]


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_with_restate_a_bad_row_is_not_told_to_restate(pool: Pool, tmp_path: Path) -> None:
    imported(pool, write(tmp_path, BASE, "base.csv"))
    _close_through_february(pool)
    path = write(
        tmp_path,
        HEADER + "ZS-001,2024-01,tax_local,150,\nZS-001,2024-01,tax_local,160,\n"
        "ZS-002,2024-02,fdi,1,\nZS-002,2024-02,fdi,2,\n",
    )
    before = state(pool)
    result = pool.run("city-office", "actuals", "import", path, "--restate", "--reason", "更正")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: actuals.csv: 2 bad rows; nothing was imported.",
        "  row 3: repeats the project, period and metric of row 2",
        "  row 5: repeats the project, period and metric of row 4",
    ]
    assert state(pool) == before
    assert pool.last_audit()["outcome"] == "invalid"
