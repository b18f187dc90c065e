"""The bulletin and the assessment as pages and downloads, on the hand-computed bulletin pool
(tests/support/bulletin.py, settled through 2025-03): the figures of tests/cli/test_bulletin.py
and tests/cli/test_assessment.py shown as tables, bad periods and schemes refused in Chinese with
nothing changed, the workbooks equal to the command line's, and who may read them."""

import io
import json
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from markupsafe import escape
from support.web import Web, hidden

from tests.cli.test_assessment import SCHEME
from tests.cli.test_bulletin import Q1_ACTIVITY, Q1_INDICATORS
from tests.cli.test_permissions import CASES, IDENTITIES, _expected
from tests.cli.test_permissions import template as permission_template

template = permission_template  # the command line's seeded pool, as a fixture of this module too
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def separated(amount: str | None) -> str:
    """`2000.00` as a reader sees it: `2,000.00`."""
    return "" if amount is None else f"{Decimal(amount):,.2f}"


def section(page: str, ident: str) -> str:
    found = re.search(rf'<section class="card[^"]*" id="{re.escape(ident)}">(.*?)</section>', page, re.S)
    assert found, ident
    return found.group(1)


def table_rows(html: str) -> list[list[str]]:
    """Each body row of a report table: the region, then its figures."""
    rows = []
    for name, rest in re.findall(r'<tr[^>]*><td class="name">([^<]*)</td>(.*?)</tr>', html, re.S):
        rows.append([name, *re.findall(r'<td class="num">([^<]*)</td>', rest)])
    return rows


def chart_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def test_the_bulletin_page_shows_every_figure_of_the_quarter(reports: Web) -> None:
    page = reports.login("zhashui-bureau").get("/reports/bulletin?period=2025Q1")
    assert page.status_code == 200
    text = page.text
    assert "2025年第一季度" in text and "期间 2025-01 至 2025-03" in text
    for ind in Q1_INDICATORS:
        shown = table_rows(section(text, f"indicator-{ind['indicator']}"))
        expected = [
            [
                r["region_name"],
                separated(r["period_amount"]),
                separated(r["ytd"]),
                separated(r["target"]),
                r["completion_pct"] or "",
                separated(r["last_year_ytd"]),
                r["yoy_pct"] or "",
                "" if r["rank"] is None else str(r["rank"]),
            ]
            for r in ind["rows"]
        ]
        assert shown == expected, ind["indicator"]
    funds = section(text, "indicator-statistics:funds")
    assert '<td class="num">2,000.00</td>' in funds  # zhashui's target, with its separator
    activity = section(text, "activity")
    assert re.search(r"<td>开工率%</td><td class=\"num\">50.0</td>", activity)
    flows = re.findall(
        r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td class=\"num\">([^<]+)</td></tr>", activity
    )
    assert flows == [
        (f["payer_name"], f["payee_name"], f["share"], separated(f["amount"]))
        for f in Q1_ACTIVITY["fiscal_flows"]
    ]
    stages = dict(re.findall(r"<td>期末阶段：([^<]+)</td><td class=\"num\">(\d+)</td>", activity))
    assert stages["签约"] == "1" and stages["开工"] == "1"


def test_the_bulletin_charts_carry_the_services_figures(reports: Web) -> None:
    page = reports.login("city-office").get("/reports/bulletin?period=2025Q1").text
    charts = chart_data(page)
    funds = next(i for i in Q1_INDICATORS if i["indicator"] == "statistics:funds")
    bar = charts["completion-statistics:funds"]
    assert bar["kind"] == "bar" and bar["percent"] is True
    assert bar["categories"] == [r["region_name"] for r in funds["rows"][:-1]]  # no city total
    assert bar["values"] == [r["completion_pct"] for r in funds["rows"][:-1]]
    line = charts["trend-statistics:funds"]
    assert line["kind"] == "line" and line["unit"] == "元"
    assert list(zip(line["categories"], line["values"], strict=True)) == [
        (t["month"], t["amount"]) for t in funds["trend"]
    ]
    # an indicator with no target has no completion chart, and says so
    assert "completion-fiscal:tax" not in charts
    assert "尚未设定本指标的年度目标" in section(page, "indicator-fiscal:tax")
    for key in charts:
        assert f'data-chart="{key}"' in page
    assert "/static/vendor/echarts/echarts.min.js" in page and "/static/charts.js" in page


def test_without_a_period_the_latest_settled_quarter_is_shown(reports: Web) -> None:
    page = reports.login("city-office").get("/reports/bulletin").text
    assert 'name="period" value="2025Q1"' in page and "2025年第一季度" in page  # settled through 2025-03


def test_a_month_and_a_year_are_periods_too(reports: Web) -> None:
    client = reports.login("city-office")
    month = client.get("/reports/bulletin", params={"period": "2025-02"})
    assert month.status_code == 200 and "2025年2月" in month.text and 'href="?period=2025-01"' in month.text
    year = client.get("/reports/bulletin", params={"period": "2025"})
    assert year.status_code == 200 and "期间 2025-01 至 2025-12" in year.text


@pytest.mark.parametrize("period", ["2025Q5", "abc", "2025-13", "<script>alert(1)</script>"])
def test_a_bad_period_is_refused_in_chinese_and_changes_nothing(reports: Web, period: str) -> None:
    client = reports.login("zhashui-bureau")
    before, audit = reports.pool.snapshot(), len(reports.pool.rows("audit_log"))
    page = client.get("/reports/bulletin", params={"period": period})
    assert page.status_code == 422
    problem = re.search(r'<p class="error" role="alert" id="period-problem">([^<]+)</p>', page.text)
    assert problem and "不是有效的期间" in problem.group(1) and "2025Q2" in problem.group(1)
    assert f'name="period" value="{escape(period)}"' in page.text  # kept as typed, escaped
    assert "<script>alert" not in page.text and 'id="chart-data"' not in page.text
    for download in ("/reports/bulletin.xlsx", "/reports/bulletin.csv"):
        refused = client.get(download, params={"period": period})
        assert refused.status_code == 422 and "不是有效的期间" in refused.text
    assert reports.pool.snapshot() == before and len(reports.pool.rows("audit_log")) == audit


def test_the_bulletin_in_english(reports: Web) -> None:
    client = reports.login("audit-bureau")
    token = hidden(client.get("/").text, "csrf")
    client.post("/language", data={"csrf": token, "locale": "en", "back": "/"})
    page = client.get("/reports/bulletin?period=2025Q1").text
    assert "Q1 2025" in page and "Year to date" in page and "City total" in page
    charts = chart_data(page)
    assert (
        charts["trend-statistics:funds"]["unit"] == "yuan" and charts["trend-statistics:fdi"]["unit"] == "USD"
    )
    assert charts["completion-statistics:funds"]["title"].endswith(", completion of the annual target")
    refused = client.get("/reports/bulletin?period=2025Q5")
    assert refused.status_code == 422 and "is not a period" in refused.text


def test_the_bulletin_workbook_download_is_the_command_lines(reports: Web, tmp_path: Path) -> None:
    client = reports.login("danfeng-bureau")
    response = client.get("/reports/bulletin.xlsx", params={"period": "2025Q1"})
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="bulletin-2025Q1.xlsx"')
    assert f"filename*=UTF-8''{quote('招商引资统计通报-2025Q1.xlsx')}" in disposition
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    labels = [i["label"] for i in Q1_INDICATORS]
    assert book.sheetnames == [*labels, "本期活动"]
    funds = book["实际使用内资(统计)"]
    assert [c.value for c in funds[2]][:8] == [
        "地区",
        "本期",
        "本年累计",
        "年度目标",
        "完成%",
        "去年同期累计",
        "同比%",
        "排名",
    ]
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        bars = [n for n in charts if "<barChart>" in z.read(n).decode()]
    assert len(charts) == 10 and len(bars) == 5  # completion and trend, per indicator
    out = tmp_path / "cli.xlsx"
    reports.pool.ok(
        "danfeng-bureau", "report", "bulletin", "--period", "2025Q1", "--format", "xlsx", "--out", str(out)
    )
    cli = openpyxl.load_workbook(out)
    assert cli.sheetnames == book.sheetnames
    for name in book.sheetnames:
        assert [[c.value for c in r] for r in book[name].iter_rows()] == [
            [c.value for c in r] for r in cli[name].iter_rows()
        ], name


def test_the_bulletin_csv_download_is_the_command_lines(reports: Web) -> None:
    response = reports.login("policy-desk").get("/reports/bulletin.csv", params={"period": "2025q1"})
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    printed = reports.pool.ok("policy-desk", "report", "bulletin", "--period", "2025Q1", "--format", "csv")
    assert response.content.decode("utf-8") == printed.stdout


def test_the_assessment_page_shows_each_score_with_its_arithmetic(reports: Web) -> None:
    page = reports.login("shangzhou-bureau").get("/reports/assessment")
    assert page.status_code == 200
    text = page.text
    assert "商洛市2025年度招商引资目标责任考核" in text and "shangluo-assessment" in text
    scores = re.search(r'<table class="report" id="scores">(.*?)</table>', text, re.S)
    assert scores
    rows = re.findall(
        r'<tr><td class="num">(\d+)</td><td class="name">([^<]+)</td>.*?<td class="num"><strong>([^<]+)'
        r'</strong></td><td class="arithmetic">([^<]+)</td></tr>',
        scores.group(1),
        re.S,
    )
    # hand-computed in tests/cli/test_assessment.py
    assert rows[0] == ("1", "丹凤县", "42.00", "60×70.0% = 42.00")
    assert rows[1] == ("2", "柞水县", "35.40", "60×46.5% + 40×25.0% − 2.5 = 35.40")
    assert "930.00 ÷ 2,000.00 = 46.5%" in scores.group(1) and "−2.5 项目信息报送不及时" in scores.group(1)
    chart = chart_data(text)["scores"]
    assert chart["kind"] == "bar" and chart["categories"][:2] == ["丹凤县", "柞水县"]
    assert chart["values"][:2] == ["42.00", "35.40"]
    named = reports.login("shangzhou-bureau").get(
        "/reports/assessment", params={"year": "2025", "scheme": "shangluo-assessment@2025.1"}
    )
    assert named.status_code == 200 and "60×46.5% + 40×25.0% − 2.5 = 35.40" in named.text


def test_the_assessment_workbook_download_has_its_chart(reports: Web) -> None:
    response = reports.login("city-office").get(
        "/reports/assessment.xlsx", params={"year": "2025", "scheme": "shangluo-assessment"}
    )
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert f"filename*=UTF-8''{quote('商洛市2025年度招商引资目标责任考核.xlsx')}" in disposition
    ws = openpyxl.load_workbook(io.BytesIO(response.content))["考核得分"]
    headers = [c.value for c in ws[2]]
    assert headers[0] == "排名" and headers[1] == "地区" and headers[-1] == "得分"
    assert ws.cell(3, 2).value == "丹凤县" and ws.cell(3, len(headers)).value == 42
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<barChart>" in chart and "各县区考核得分" in chart
    csv = reports.login("city-office").get(
        "/reports/assessment.csv", params={"year": "2025", "scheme": "shangluo-assessment"}
    )
    printed = reports.pool.ok(
        "city-office",
        "report",
        "assessment",
        "--year",
        "2025",
        "--scheme",
        "shangluo-assessment",
        "--format",
        "csv",
    )
    assert csv.status_code == 200 and csv.content.decode("utf-8") == printed.stdout


@pytest.mark.parametrize(
    "params,message",
    [
        ({"year": "2025", "scheme": "nope"}, "没有已发布的考核方案 'nope'"),
        ({"year": "2024", "scheme": "shangluo-assessment"}, "考核的是 2025 年度，不是 2024 年度"),
        ({"year": "abc"}, "年度应为四位数字"),
        ({"year": "2025", "scheme": "/etc/passwd"}, "没有已发布的考核方案 '/etc/passwd'"),
    ],
)
def test_a_missing_scheme_or_bad_year_is_refused_and_changes_nothing(
    reports: Web, params: dict[str, str], message: str
) -> None:
    client = reports.login("city-office")
    before, audit = reports.pool.snapshot(), len(reports.pool.rows("audit_log"))
    page = client.get("/reports/assessment", params=params)
    assert page.status_code == 422
    problem = re.search(r'id="assessment-problem">([^<]+)</p>', page.text)
    assert problem and message in problem.group(1).replace("&#39;", "'")
    assert 'id="scores"' not in page.text
    assert client.get("/reports/assessment.xlsx", params=params).status_code == 422
    assert reports.pool.snapshot() == before and len(reports.pool.rows("audit_log")) == audit


def test_with_no_scheme_published_the_page_says_how_to_publish_one(story: Web) -> None:
    page = story.login("luonan-bureau").get("/reports/assessment")
    assert page.status_code == 200
    shown = re.search(r'<section class="card" id="no-scheme">(.*?)</section>', page.text, re.S)
    assert shown and "尚未发布考核方案" in shown.group(1) and "pool assessment publish" in shown.group(1)
    assert 'id="chart-data"' not in page.text


def test_scheme_text_is_escaped(reports: Web, tmp_path: Path) -> None:
    hostile = (
        SCHEME.replace('version: "2025.1"', 'version: "2025.2"')
        .replace("title: 商洛市2025年度招商引资目标责任考核", "title: <script>alert(1)</script>考核")
        .replace("reason: 项目信息报送不及时", 'reason: "<img src=x onerror=alert(1)>迟报"')
    )
    path = tmp_path / "hostile.yaml"
    path.write_text(hostile, encoding="utf-8")
    reports.pool.ok("policy-desk", "assessment", "publish", str(path))
    page = reports.login("zhashui-bureau").get(
        "/reports/assessment?year=2025&scheme=shangluo-assessment@2025.2"
    )
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;考核" in page.text
        and "&lt;img src=x onerror=alert(1)&gt;迟报" in page.text
    )


def test_the_navigation_links_both_reports(reports: Web) -> None:
    for actor in ("city-office", "zhashui-bureau", "policy-desk", "audit-bureau"):
        home = reports.login(actor).get("/").text
        assert 'href="/reports/bulletin"' in home and 'href="/reports/assessment"' in home, actor


def test_without_a_session_the_pages_send_to_sign_in(reports: Web) -> None:
    client = reports.client()
    for path in ("/reports/bulletin", "/reports/assessment", "/reports/bulletin.xlsx?period=2025Q1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login", path


PAGES = {
    "report bulletin": "/reports/bulletin?period=2024Q3",
    "report assessment": "/reports/assessment?year=2024&scheme=table-assessment",
}
PAGE_CASES = [c for c in CASES if c[0] in PAGES]


def test_every_report_page_has_its_row_in_the_permission_table() -> None:
    assert {c[0] for c in PAGE_CASES} == set(PAGES)


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("name,args,allowed,others", PAGE_CASES, ids=[c[0] for c in PAGE_CASES])
def test_a_report_page_answers_whom_the_command_line_answers(
    template: tuple[Path, dict[str, str]],
    tmp_path: Path,
    identity: str,
    name: str,
    args: list[str],
    allowed: set[str],
    others: dict[str, int],
) -> None:
    source, tokens = template
    shutil.copy(source, tmp_path / "pool.db")
    web = Web(f"sqlite:///{tmp_path / 'pool.db'}", tokens)
    try:
        expected = {0: 200, 1: 422, 3: 403}[_expected(identity, allowed, others)]
        page = web.login(identity).get(PAGES[name])
        assert page.status_code == expected, page.text
        if expected == 200:
            assert 'id="chart-data"' in page.text and 'role="alert"' not in page.text
    finally:
        web.close()
