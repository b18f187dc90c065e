"""The main story through the pages, in-process: a county registers and lists a project, another
claims it, the city approves (a value out of bounds is refused at its field), imports actuals
(a bad row is shown and nothing stored), settles, and the origin reads its statement; a policy
officer sees each problem of a rule file with its line."""

import re
from datetime import timedelta
from pathlib import Path

from support.web import Web, hidden

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"

ACTUALS_BAD = (
    "project,period,metric,amount,note\n"
    "LN-2024-007,2024-08,tax_local,1250000.00,八月申报\n"
    "LN-2024-007,2024-08,funds_domestic,-5,\n"
)
ACTUALS_GOOD = (
    "project,period,metric,amount,note\n"
    "LN-2024-007,2024-08,tax_local,1250000.00,八月申报\n"
    "LN-2024-007,2024-08,funds_domestic,30000000,\n"
)
BROKEN_RULES = """ruleset: draft
version: "1"
title: 草案
effective_from: 2024-13
shares:
  - name: tax
    book: fiscal
    base: tax_local
    mode: nonsense
    term: {start: transfer, years: 3}
"""


def _post(client, path: str, data: dict[str, str], **kwargs):  # type: ignore[no-untyped-def]
    token = hidden(client.get("/").text, "csrf")
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False, **kwargs)


def test_the_main_story_through_the_pages(story: Web) -> None:
    luonan = story.login("luonan-bureau")
    response = _post(
        luonan,
        "/projects",
        {
            "code": "LN-2024-007",
            "name": "钼精深加工",
            "investor": "金钼股份",
            "chain": "new_materials",
            "kind": "manufacturing",
            "investment": "350000000",
            "capital_source": "out_of_city",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/projects/LN-2024-007"
    page = luonan.get("/projects/LN-2024-007").text
    assert "钼精深加工" in page and "3.5亿元" in page and "洛南县" in page

    again = _post(
        luonan,
        "/projects",
        {
            "code": "LN-2024-008",
            "name": "钼精深加工",
            "investor": "金钼股份",
            "chain": "new_materials",
            "kind": "manufacturing",
            "investment": "1",
            "capital_source": "out_of_city",
        },
    )
    assert again.status_code == 422
    assert 'id="investor-problem"' in again.text  # the duplicate lead, shown at its field

    response = _post(
        luonan, "/projects/LN-2024-007/listings", {"reason": "能耗指标不足", "needs": "energy_tce=12000"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/listings/1"
    assert "energy_tce=12000" in luonan.get("/listings").text

    shangzhou = story.login("shangzhou-bureau")
    assert "钼精深加工" in shangzhou.get("/listings").text
    response = _post(shangzhou, "/listings/1/claims", {"note": "园区有能耗余量"})
    assert response.status_code == 303

    city = story.login("city-office")
    form = city.get("/claims/1").text
    assert 'name="agreement.origin_tax_share"' in form
    assert 'data-min="30"' in form and 'data-max="50"' in form and "首谈地税收分成比例" in form
    before = story.pool.snapshot()
    refused = _post(city, "/claims/1/approve", {"effective": "2024-08", "agreement.origin_tax_share": "60"})
    assert refused.status_code == 422
    problem = re.search(r'id="agreement-origin_tax_share-problem" role="alert">([^<]+)<', refused.text)
    assert problem and "origin_tax_share" in problem.group(1)
    assert story.pool.snapshot() == before
    approved = _post(city, "/claims/1/approve", {"effective": "2024-08", "agreement.origin_tax_share": "40"})
    assert approved.status_code == 303 and approved.headers["location"] == "/transfers/1"
    assert story.pool.one("transfers", id=1)["to_region"] == "shangzhou"

    bad = _post(city, "/actuals", {}, files={"file": ("2024-08.csv", ACTUALS_BAD.encode(), "text/csv")})
    assert bad.status_code == 422
    assert re.search(r'<table id="bad-rows">.*<td class="num">3</td>', bad.text, re.S)
    assert story.pool.rows("actuals") == []
    good = _post(city, "/actuals", {}, files={"file": ("2024-08.csv", ACTUALS_GOOD.encode(), "text/csv")})
    assert good.status_code == 200 and 'id="imported"' in good.text
    assert len(story.pool.rows("actuals")) == 2

    settled = _post(city, "/settle", {"period": "2024-08"})
    assert settled.status_code == 200 and 'id="head"' in settled.text
    head = re.search(r'<code id="head">([0-9a-f]+)</code>', settled.text)
    assert head and story.pool.json("audit-bureau", "ledger", "verify")["head"] == head.group(1)

    statement = luonan.get("/reports/statement/luonan?year=2024").text
    assert "500,000.00" in statement and "30,000,000.00" in statement
    transfer = luonan.get("/transfers/1").text
    assert "500,000.00" in transfer and "origin_tax_share" in transfer

    policy = story.login("policy-desk")
    checked = _post(
        policy, "/rules/check", {"do": "check"}, files={"file": ("draft.yaml", BROKEN_RULES.encode())}
    )
    assert checked.status_code == 422
    lines = re.findall(r'<table id="problems">(.*?)</table>', checked.text, re.S)[0]
    numbers = re.findall(r'<td class="num">(\d+)</td>', lines)
    assert "4" in numbers and "9" in numbers, lines
    assert "/tmp" not in checked.text


def test_pages_answer_every_role(story: Web) -> None:
    paths = {
        "city-office": [
            "/",
            "/projects",
            "/listings",
            "/claims",
            "/transfers",
            "/actuals",
            "/settle",
            "/actors",
            "/rules",
            "/rules/check",
            "/ledger",
            "/audit",
            "/reports/statement/luonan",
        ],
        "luonan-bureau": [
            "/",
            "/projects",
            "/projects/new",
            "/listings",
            "/claims",
            "/reports/statement/luonan",
        ],
        "policy-desk": ["/", "/rules", "/rules/check"],
        "audit-bureau": ["/", "/ledger", "/audit"],
    }
    for actor, pages in paths.items():
        client = story.login(actor)
        for path in pages:
            assert client.get(path).status_code == 200, (actor, path)


def test_a_page_the_role_may_not_see_is_refused_by_the_service(story: Web) -> None:
    luonan = story.login("luonan-bureau")
    for path in ("/actors", "/audit"):
        response = luonan.get(path)
        assert response.status_code == 403, path
        assert "luonan-bureau" in response.text


def test_english_is_a_click_away_and_stays(story: Web) -> None:
    client = story.login("luonan-bureau")
    assert "项目库" in client.get("/").text
    response = _post(client, "/language", {"locale": "en", "back": "/projects"})
    assert response.status_code == 303 and response.headers["location"] == "/projects"
    page = client.get("/projects").text
    assert "Projects" in page and "项目库" not in page
    again = story.login("luonan-bureau")
    assert "Projects" in again.get("/").text


def test_home_shows_what_is_new_since_the_last_visit(web: Web) -> None:
    first = web.login("danfeng-bureau").get("/").text
    assert "首次访问" in first and 'href="/listings/1"' in first
    web.clock.advance(minutes=5)
    again = web.login("danfeng-bureau").get("/").text
    assert "自上次访问" in again and 'href="/listings/1"' not in again
    web.clock.advance(minutes=5)
    web.pool.ok("city-office", "claim", "reject", "1", "--reason", "用地不足")
    shangzhou = web.login("shangzhou-bureau").get("/").text
    decided = re.search(r"我方认领的决定</h2>(.*?)</section>", shangzhou, re.S)
    assert decided and "已驳回" in decided.group(1)


def test_a_long_statement_is_shown_a_page_at_a_time(story: Web) -> None:
    client = story.login("luonan-bureau")
    page = client.get("/reports/statement/luonan?year=2024&page=9").text
    assert "本年度尚无记账" in page and "下一页" not in page


def test_the_approval_form_projects_the_split_and_writes_nothing(story: Web) -> None:
    luonan = story.login("luonan-bureau")
    _post(
        luonan,
        "/projects",
        {
            "code": "LN-2024-007",
            "name": "钼精深加工",
            "investor": "金钼股份",
            "chain": "new_materials",
            "kind": "manufacturing",
            "investment": "350000000",
            "capital_source": "out_of_city",
        },
    )
    _post(luonan, "/projects/LN-2024-007/listings", {"reason": "能耗指标不足"})
    _post(story.login("shangzhou-bureau"), "/listings/1/claims", {"note": ""})
    city = story.login("city-office")
    _post(city, "/actuals", {}, files={"file": ("a.csv", ACTUALS_GOOD.encode(), "text/csv")})
    before, audit = story.pool.snapshot(), len(story.pool.rows("audit_log"))
    split = city.get("/claims/1/preview", params={"effective": "2024-08", "agreement.origin_tax_share": "40"})
    assert split.status_code == 200
    rows = re.findall(
        r"<tr><td>tax</td><td>财政</td><td>([^<]+)</td><td class=\"num\">([^<]+)</td></tr>", split.text
    )
    assert dict(rows) == {"洛南县": "500,000.00", "商州区": "750,000.00", "商洛市": "0.00"}
    refused = city.get(
        "/claims/1/preview", params={"effective": "2024-08", "agreement.origin_tax_share": "60"}
    )
    assert 'id="preview-problem"' in refused.text and "高于上限 50%" in refused.text
    assert story.pool.snapshot() == before and len(story.pool.rows("audit_log")) == audit
    assert story.pool.rows("ledger_entries") == []
    assert (
        story.login("luonan-bureau").get("/claims/1/preview", params={"effective": "2024-08"}).status_code
        == 403
    )


def test_every_role_reads_a_rule_text_in_force(story: Web) -> None:
    client = story.login("luonan-bureau")
    listed = client.get("/rules").text
    link = re.search(r'href="(/rules/shangluo-default/[^"]+)"', listed)
    assert link
    page = client.get(link.group(1)).text
    assert "origin_tax_share" in page and "文本与发布时的哈希一致" in page
    assert client.get("/rules/shangluo-default/9.9").status_code == 422


CASES_FILE = LIBRARY / "shangluo-default.cases.yaml"


def test_a_policy_officer_runs_a_case_file_and_sees_the_failing_case(story: Web) -> None:
    policy = story.login("policy-desk")
    cases = CASES_FILE.read_text("utf-8").replace('tax: {luonan: "1600.01"', 'tax: {luonan: "1700.01"', 1)
    assert cases != CASES_FILE.read_text("utf-8")
    rules = (LIBRARY / "shangluo-default.yaml").read_bytes()
    before, audit = story.pool.snapshot(), len(story.pool.rows("audit_log"))
    files = {"rules": ("shangluo-default.yaml", rules), "cases": ("mine.cases.yaml", cases.encode())}
    ran = _post(policy, "/rules/test", {}, files=files)
    assert ran.status_code == 422
    summary = re.search(r'id="case-summary">([^<]+)<', ran.text)
    total = CASES_FILE.read_text("utf-8").count("\n  - name: ")
    assert summary and f"{total - 1} 个通过，1 个未通过" in summary.group(1)
    failed = re.search(r"<h3>未通过：([^<]+) <small><code>mine\.cases\.yaml:(\d+)</code>", ran.text)
    assert failed and failed.group(1).startswith("default split from the first tax")
    line = next(
        n for n, text in enumerate(cases.splitlines(), 1) if "default split from the first tax" in text
    )
    assert int(failed.group(2)) == line
    row = re.search(
        r'<tr class="error"><td>tax</td><td>luonan</td><td class="num">([^<]+)</td>'
        r'<td class="num">([^<]+)</td><td class="num">([^<]+)</td>',
        ran.text,
    )
    assert row and row.groups() == ("1,700.01", "1,600.01", "-100.00")
    assert "/tmp" not in ran.text and "pool-upload" not in ran.text
    assert story.pool.snapshot() == before and len(story.pool.rows("audit_log")) == audit
    passing = _post(policy, "/rules/test", {}, files={**files, "cases": ("ok.yaml", CASES_FILE.read_bytes())})
    assert passing.status_code == 200 and f"{total} 个通过，0 个未通过" in passing.text
    missing = _post(policy, "/rules/test", {}, files={"rules": files["rules"]})
    assert missing.status_code == 422 and "请选择规则文件和测试用例文件" in missing.text


def test_agreement_values_are_shown_by_label_and_by_type(story: Web) -> None:
    test_the_main_story_through_the_pages(story)
    page = story.login("luonan-bureau").get("/transfers/1").text
    row = re.search(
        r'<td title="origin_tax_share">([^<]+)<small class="code">origin_tax_share</small></td>'
        r"<td>([^<]+)</td>",
        page,
    )
    assert row and row.groups() == ("首谈地税收分成比例 ", "40%")
    agreed = story.app.state.views.envs["zh_CN"].filters["agreed"]
    assert [agreed(*a) for a in (("500000.00", "amount"), (True, "flag"), (False, "flag"), (3, "years"))] == [
        "50万元",
        "是",
        "否",
        "3 年",
    ]
    english = story.app.state.views.envs["en"].filters["agreed"]
    assert [english(True, "flag"), english(3, "years")] == ["yes", "3 years"]


def test_a_refused_agreement_value_is_named_by_its_label(story: Web) -> None:
    _story_until_the_claim(story)
    city = story.login("city-office")
    refused = _post(city, "/claims/1/approve", {"effective": "2024-08", "agreement.origin_tax_share": "60"})
    assert refused.status_code == 422
    assert "协议项 首谈地税收分成比例（origin_tax_share）：60% 高于上限 50%。" in refused.text


def test_the_audit_log_is_filtered_by_a_date_in_beijing_time(story: Web) -> None:
    from pool.web.pages import beijing_to_utc

    assert beijing_to_utc("2024-06-01", str) == "2024-05-31T16:00:00"
    assert beijing_to_utc("2024-06-01T08:30", str) == "2024-06-01T00:30:00"
    auditor = story.login("audit-bureau")
    page = auditor.get("/audit").text
    assert "起始日期（北京时间）" in page and "UTC" not in page
    story.clock.now = story.clock.now.replace(hour=17, minute=0)  # 01:00 the next day in Beijing
    _post(story.login("city-office"), "/actors", {"name": "late-desk", "role": "policy"})
    beijing_day = (story.clock.now + timedelta(hours=8)).date().isoformat()
    auditor = story.login("audit-bureau")  # the clock may have moved past the first session's idle end
    shown = auditor.get("/audit", params={"since": beijing_day}).text
    assert "late-desk" in shown
    assert "共 " in shown
    later = (story.clock.now + timedelta(hours=8, days=1)).date().isoformat()
    assert "late-desk" not in auditor.get("/audit", params={"since": later}).text
    bad = auditor.get("/audit", params={"since": "昨天"})
    assert bad.status_code == 400 and "昨天 不是日期；请写成 2024-06-01（北京时间）" in bad.text


def _story_until_the_claim(story: Web) -> None:
    luonan = story.login("luonan-bureau")
    _post(luonan, "/projects", {"code": "LN-2024-007", **PROJECT})
    _post(luonan, "/projects/LN-2024-007/listings", {"reason": "能耗指标不足"})
    _post(story.login("shangzhou-bureau"), "/listings/1/claims", {"note": ""})


PROJECT = {
    "name": "钼精深加工",
    "investor": "金钼股份",
    "chain": "new_materials",
    "kind": "manufacturing",
    "investment": "350000000",
    "capital_source": "out_of_city",
}
