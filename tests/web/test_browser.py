"""The main story in a real browser: Playwright driving Debian's Chromium against `pool serve` on
127.0.0.1 and a free port. Each main page is saved as a screenshot under build/screenshots/.

These tests refuse to run without Chromium or a CJK font: without a font every text assertion
would still pass while the pages show boxes."""

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.test_pages import ACTUALS_GOOD, BROKEN_RULES

CHROMIUM = Path("/usr/bin/chromium")
EXPECTED_STATUS = re.compile(r"status of (401|403|409|422|429) ")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("POOL_SCREENSHOTS", ROOT / "build" / "screenshots"))

ACTUALS_BAD = (
    "project,period,metric,amount,note\n"
    "LN-2024-007,2024-08,tax_local,1250000.00,八月申报\n"
    "LN-2024-070,2024-08,funds_domestic,30000000,\n"
)


def _cjk_font() -> bool:
    try:
        listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return bool(listed.stdout.strip())


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: apt-get install chromium chromium-driver fonts-noto-cjk")
    if not _cjk_font():
        pytest.fail(
            "No CJK font (fc-list :lang=zh is empty): the pages would show boxes while every text "
            "assertion passed. apt-get install fonts-noto-cjk"
        )
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as p:
        # the browser's own words (a file input's button) in Chinese too, as on a clerk's machine
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--lang=zh-CN"],
            env={**os.environ, "LANGUAGE": "zh_CN", "LANG": "zh_CN.UTF-8"},
        )
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _served(tmp_path: Path, template: tuple[Path, dict[str, str]]) -> Iterator[tuple[str, dict[str, str]]]:
    """`pool serve` on a copy of a template pool, until the test ends."""
    source, tokens = template
    db = tmp_path / "pool.db"
    shutil.copy(source, db)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POOL_")}
    process = subprocess.Popen(
        [sys.executable, "-c", "from pool.cli import main; main()", "--db", f"sqlite:///{db}", "serve"]
        + ["--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # until it answers, or it stopped
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode() if process.stderr else "server stopped")
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base, tokens
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def server(
    tmp_path: Path, story_template: tuple[Path, dict[str, str]]
) -> Iterator[tuple[str, dict[str, str]]]:
    yield from _served(tmp_path, story_template)


@pytest.fixture
def bulletin_server(
    tmp_path: Path, bulletin_template: tuple[Path, dict[str, str]]
) -> Iterator[tuple[str, dict[str, str]]]:
    """The hand-computed bulletin pool, settled through 2025-03, with its assessment scheme."""
    yield from _served(tmp_path, bulletin_template)


class Session:
    """One person in one browser context."""

    def __init__(self, browser: object, base: str, name: str, token: str) -> None:
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("dialog", lambda d: d.accept())
        self.page.goto(f"{base}/login")
        self.page.fill("#actor", name)
        self.page.fill("#token", token)
        self.page.click("#login")
        self.page.wait_for_url(f"{base}/")

    def _console(self, message: object) -> None:
        """Script errors, refused resources (CSP) and missing files; a refused form's own status
        (422, 403 …) is the page working as meant."""
        text = message.text  # type: ignore[attr-defined]
        if message.type == "error" and not EXPECTED_STATUS.search(text):  # type: ignore[attr-defined]
            self.errors.append(text)

    def go(self, path: str) -> object:
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        assert self.errors == [], self.errors  # no script error, no refused resource (CSP)
        self.context.close()


def test_the_main_story_in_a_browser(
    browser: object, server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, tokens = server
    luonan = Session(browser, base, "luonan-bureau", tokens["luonan-bureau"])
    page = luonan.page
    luonan.shot("01-home-county")
    luonan.go("/projects/new")
    page.fill("input[name=code]", "LN-2024-007")
    page.fill("input[name=name]", "钼精深加工")
    page.fill("input[name=investor]", "金钼股份")
    page.select_option("select[name=chain]", "new_materials")
    page.fill("input[name=investment]", "350000000")
    page.select_option("select[name=capital_source]", "out_of_city")
    page.click("#register")
    page.wait_for_url(f"{base}/projects/LN-2024-007")
    assert "3.5亿元" in page.inner_text("main")
    page.fill("#listing-form input[name=reason]", "能耗指标不足")
    page.fill("#listing-form input[name=needs]", "energy_tce=12000")
    page.click("#open-listing")
    page.wait_for_url(f"{base}/listings/1")
    assert page.inner_text("#listing-status") == "开放中"
    luonan.shot("02-listing-opened")
    luonan.go("/projects")
    page.fill("#search", "金钼")
    expect(page.locator("#project-table tr")).to_have_count(2)  # the heading and one project
    page.fill("#search", "没有这个投资方")
    expect(page.locator("#project-table tr")).to_have_count(1)
    luonan.shot("03-projects-search")

    shangzhou = Session(browser, base, "shangzhou-bureau", tokens["shangzhou-bureau"])
    page = shangzhou.page
    shangzhou.go("/listings")
    assert "钼精深加工" in page.inner_text("main") and "energy_tce=12000" in page.inner_text("main")
    shangzhou.shot("04-pool")
    shangzhou.go("/listings/1")
    page.fill("#claim-form textarea[name=note]", "园区有能耗余量")
    page.click("#claim")
    page.wait_for_url(f"{base}/listings/1")
    shangzhou.go("/claims")
    page.click("#withdraw-claim-1")  # an htmx request: the session's CSRF header goes with it
    page.wait_for_selector("text=已撤回")
    shangzhou.go("/listings/1")
    page.fill("#claim-form textarea[name=note]", "园区有能耗余量，重新认领")
    page.click("#claim")
    page.wait_for_url(f"{base}/listings/1")
    shangzhou.shot("05-claimed")

    city = Session(browser, base, "city-office", tokens["city-office"])
    page = city.page
    city.shot("06-home-city")
    city.go("/claims")
    page.click("#decide-2")
    page.wait_for_url(f"{base}/claims/2")
    page.fill("#effective", "2024-08")
    page.fill("#agreement-origin_tax_share", "60")
    assert page.inner_text("#agreement-origin_tax_share-problem") == "不得高于 50%"
    page.click("#approve")  # the browser refuses to send the form
    assert page.url == f"{base}/claims/2"
    expect(page.locator("#preview-problem")).to_contain_text("高于上限 50%")  # the same refusal, beside
    city.shot("07-approve-out-of-bounds")
    page.fill("#agreement-origin_tax_share", "40")
    assert page.inner_text("#agreement-origin_tax_share-problem") == ""
    page.wait_for_selector("#preview .hint")  # the projected split, from htmx (no figures yet)
    page.click("#approve")
    page.wait_for_url(f"{base}/transfers/1")
    city.shot("08-transfer")

    bad, good = tmp_path / "2024-08.csv", tmp_path / "2024-08-fixed.csv"
    bad.write_text(ACTUALS_BAD, encoding="utf-8")
    good.write_text(ACTUALS_GOOD, encoding="utf-8")
    city.go("/actuals")
    page.set_input_files("#actuals-file", str(bad))
    page.click("#upload")
    page.wait_for_selector("#bad-rows")
    rows = page.inner_text("#bad-rows")
    assert "3" in rows and "LN-2024-070" in rows and "未登记" in rows
    city.shot("09-actuals-bad-row")
    page.set_input_files("#actuals-file", str(good))
    page.click("#upload")
    page.wait_for_selector("#imported")
    city.go("/settle")
    page.fill("#period", "2024-08")
    page.click("#settle")  # confirmed in the dialog
    page.wait_for_selector("#head")
    assert len(page.inner_text("#head")) == 64
    assert "商州区" in page.inner_text("#missing")  # the host of the figures not yet reported
    city.shot("10-settled")
    city.go("/transfers/1")
    assert "500,000.00" in page.inner_text("#ledger-table")
    city.shot("11-transfer-explained")

    page = luonan.page
    luonan.go("/reports/statement/luonan?year=2024")
    totals = page.inner_text("#totals")
    assert "500,000.00" in totals and "30,000,000.00" in totals
    assert "元" in totals and "CNY" not in totals  # units and shares by their names
    assert "地方留成税收" in page.inner_text("#lines")
    luonan.shot("12-statement")

    policy = Session(browser, base, "policy-desk", tokens["policy-desk"])
    page = policy.page
    rules = tmp_path / "draft.yaml"
    rules.write_text(BROKEN_RULES, encoding="utf-8")
    policy.go("/rules/check")
    page.set_input_files("#rules-file", str(rules))
    page.click("#check")
    page.wait_for_selector("#problems")
    lines = [c.strip() for c in page.locator("#problems td.num").all_inner_texts()]
    assert "4" in lines and "9" in lines, lines
    policy.shot("13-rules-problems")

    library = ROOT / "pool" / "rules" / "library"
    cases = tmp_path / "mine.cases.yaml"
    cases.write_text(
        (library / "shangluo-default.cases.yaml")
        .read_text("utf-8")
        .replace('tax: {luonan: "1600.01"', 'tax: {luonan: "1700.01"', 1),
        encoding="utf-8",
    )
    page.set_input_files("#test-rules-file", str(library / "shangluo-default.yaml"))
    page.set_input_files("#test-cases-file", str(cases))
    page.click("#run-cases")
    page.wait_for_selector("#case-results")
    assert "1 个未通过" in page.inner_text("#case-summary")
    failed = page.inner_text(".failed-case")
    assert "default split from the first tax" in failed and "mine.cases.yaml:" in failed
    assert "1,700.01" in failed and "1,600.01" in failed
    page.locator("#case-results").scroll_into_view_if_needed()
    policy.shot("19-rules-test-failing-case")

    # a figure of the import changed in the database behind pool's back: the ledger page says so
    with sqlite3.connect(tmp_path / "pool.db") as db:
        db.execute("DROP TRIGGER actual_revisions_no_update")
        db.execute("UPDATE actual_revisions SET amount = amount + 100 WHERE id = 1")
    city.go("/ledger")
    found = city.page.inner_text("#verify")
    assert "实绩导入 1：其实绩修订已不是输入日志所记的那些" in found, found
    assert "其中有修订被改动、增加或删除" in found and "SHA-256" in found
    city.shot("20-ledger-import-changed")

    for person in (luonan, shangzhou, city, policy):
        person.close()


def test_english_pages_in_a_browser(browser: object, server: tuple[str, dict[str, str]]) -> None:
    base, tokens = server
    auditor = Session(browser, base, "audit-bureau", tokens["audit-bureau"])
    page = auditor.page
    page.click("button[name=locale][value=en]")
    page.wait_for_url(f"{base}/")
    assert "Projects" in page.inner_text("header")
    auditor.go("/ledger")
    assert "The ledger is whole" in page.inner_text("#verify")
    auditor.shot("14-ledger-english")
    auditor.go("/audit")
    auditor.shot("15-audit-log-english")
    auditor.close()


def _chart_texts(page: object, chart: str) -> list[str]:
    """The text of the SVG a chart container holds (ECharts' SVG renderer)."""
    svg = page.locator(f'[data-chart="{chart}"] svg')  # type: ignore[attr-defined]
    expect(svg).to_have_count(1)
    return [t for t in svg.locator("text").all_text_contents() if t.strip()]


def test_the_bulletin_and_the_assessment_in_a_browser(
    browser: object, bulletin_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, tokens = bulletin_server
    county = Session(browser, base, "zhashui-bureau", tokens["zhashui-bureau"])
    page = county.page
    page.click("nav >> text=统计通报")
    page.wait_for_url(f"{base}/reports/bulletin")
    assert page.input_value("#period") == "2025Q1"  # the latest settled quarter
    bar = _chart_texts(page, "completion-statistics:funds")
    assert "实际使用内资(统计) 年度目标完成率" in bar and "柞水县" in bar and "46.5%" in bar
    line = _chart_texts(page, "trend-statistics:funds")
    assert "实际使用内资(统计) 全市逐月" in line and "2025-03" in line
    family = page.eval_on_selector(
        '[data-chart="trend-statistics:funds"] svg text', "t => getComputedStyle(t).fontFamily"
    )
    assert family == page.eval_on_selector("body", "b => getComputedStyle(b).fontFamily")  # the page's font
    county.shot("16-bulletin")

    pdf = tmp_path / "bulletin.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(SHOTS / "17-bulletin-print"),
        ],
        check=True,
        timeout=120,
    )
    assert (SHOTS / "17-bulletin-print.png").stat().st_size > 0
    printed = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    first = printed.split("\f")[0]
    assert "招商引资统计通报" in first and "2025年第一季度" in first and "制表" in first
    assert (
        "项目库" not in printed and "查看" not in printed and "Excel" not in printed
    )  # no navigation, no buttons
    assert "年度目标完成率" in printed and "全市逐月" in printed  # the charts print

    page.click("nav >> text=年度考核")
    page.wait_for_url(f"{base}/reports/assessment")
    scores = _chart_texts(page, "scores")
    assert "各县区考核得分" in scores and "丹凤县" in scores and "35.40" in scores
    assert "60×46.5% + 40×25.0% − 2.5 = 35.40" in page.inner_text("#scores")
    county.shot("18-assessment")
    county.close()
