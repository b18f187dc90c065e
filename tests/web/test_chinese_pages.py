"""The Chinese pages speak Chinese in every refusal: each page and form is driven through its
refusal paths (the command line's invalid inputs where there are some), and the message areas of
the answers hold no English sentence, only Chinese around codes, keys, file names and ids. Every
shape `pool.web.sentences` knows matches a sentence the services really said on the way, so a
shape cannot outlive its sentence unnoticed."""

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from support.web import Web, hidden

from pool.web import sentences
from tests.cli.test_actuals import BASE, HEADER, INVALID
from tests.cli.test_assessment import SCHEME
from tests.cli.test_rule_messages import VALID
from tests.integration.test_input_tamper import Insider

# An English sentence: two ASCII words in a row, separated by a space alone (a list of codes has
# commas, a key or file name has no space).
ENGLISH = re.compile(r"\b[A-Za-z]{2,} [A-Za-z]{2,}\b")
MESSAGE_CLASSES = {"error", "field-error", "hint", "ok", "warn"}
MESSAGE_IDS = {"problems", "bad-rows", "refusal", "case-problems", "cases", "missing", "verify", "anchored"}
VOID = {"input", "br", "meta", "link", "img", "hr"}

STEP = "      - years: 1-3\n        origin: agreement.origin_share\n        city: 0%\n"
# (what, replaced, by): rule files the command line's rule-message tests refuse
RULE_FILES = [
    ("unknown key", "  min_planned_investment: 20000000\n", "  kinds_exclude: [real_estate]\n"),
    ("unknown key, nothing near", "  min_planned_investment: 20000000\n", "  colour: red\n"),
    ("misplaced key", "      years: 3\n", "      years: 3\n      cap: {origin_total: 5}\n"),
    ("ruleset id", "ruleset: demo", "ruleset: Shang Luo"),
    ("share name", "- name: tax", "- name: 税收"),
    ("metric name", "  tax: {unit: CNY, label: tax}", "  Tax-Local: {unit: CNY}"),
    ("not one of", "    mode: split\n", "    mode: splt\n"),
    ("not one of, nothing near", "    mode: split\n", "    mode: nonsense\n"),
    ("ratio", "        city: 0%", "        city: 7:3"),
    ("full-width ratio", "default: 50%", "default: 50％"),
    ("yaml colon", "title: 演示 demo", "title: 商洛: 税收分成"),
    ("indentation", "    book: fiscal", "   book: fiscal"),
    ("missing key", "    book: fiscal\n", ""),
    (
        "bad flag",
        "  origin_share: {type: ratio",
        "  lead: {type: flag, default: perhaps}\n  origin_share: {type: ratio",
    ),
    ("over 100% at the minimums", "        city: 0%", "        city: 80%"),
    (
        "over 100%",
        "        origin: agreement.origin_share\n        city: 0%",
        "        origin: 50%\n        city: 60%",
    ),
    ("not declared", "origin: agreement.origin_share", "origin: agreement.origin_cut"),
    ("until before from", "effective_from: 2020-01", "effective_from: 2020-01\neffective_until: 2019-12"),
    ("uncovered year", "      - years: 1-3", "      - years: 1-2"),
    ("bad month", "effective_from: 2020-01", "effective_from: 2020-13"),
    ("version", 'version: "1"', "version: 1 a"),
    ("yaml tab", "    book: fiscal", "\tbook: fiscal"),
    ("yaml bracket", "  tax: {unit: CNY, label: tax}", "  tax: {unit: CNY, label: tax"),
    ("yaml quote", 'version: "1"', 'version: "1'),
    ("duplicate share", "shares:\n", "shares:\n  - {name: tax, book: fiscal, base: tax, mode: origin}\n"),
    (
        "flag bound",
        "  origin_share: {type: ratio",
        "  lead: {type: flag, default: false, min: true}\n  origin_share: {type: ratio",
    ),
    ("min above max", "min: 30%, max: 60%", "min: 70%, max: 60%"),
    ("default out of bounds", "default: 50%, min: 30%", "default: 20%, min: 30%"),
    ("required with default", "{type: ratio, default: 50%", "{type: ratio, required: true, default: 50%"),
    ("optional without default", "{type: ratio, default: 50%, ", "{type: ratio, "),
    ("wrong type", "{type: ratio, default: 50%, min: 30%, max: 60%}", "{type: amount, default: 5}"),
    (
        "undeclared flag",
        "  min_planned_investment: 20000000\n",
        "  min_planned_investment: 20000000\n  agreement_flags: [lead]\n",
    ),
    (
        "kinds both",
        "  min_planned_investment: 20000000\n",
        "  min_planned_investment: 20000000\n  kinds: [services]\n  kinds_excluded: [services]\n",
    ),
    ("key with mode", "    mode: split\n", "    mode: origin\n"),
    ("no schedule", "    schedule:\n" + STEP, ""),
    ("term start", "start: transfer", "start: signing"),
    ("extension without cap", "      years: 3\n", "      years: 3\n      extend_years_if_cap_unmet: 2\n"),
    ("overlap", STEP, STEP + STEP.replace("1-3", "3-3")),
    ("base undeclared", "    base: tax\n", "    base: {plus: [tax, rent]}\n"),
    ("base twice", "    base: tax\n", "    base: {plus: [tax, tax]}\n"),
    ("base both sides", "    base: tax\n", "    base: {plus: [tax], minus: [tax]}\n"),
    ("no term", "    term:\n      start: transfer\n      years: 3\n", ""),
]
CASES = """\
cases:
  - name: 第一年按协议分成
    project: {planned_investment: 30000000}
    transfers:
      - {from: luonan, to: shangzhou, effective: 2020-01}
    actuals:
      tax: {2020-01: "100.00"}
    through: 2020-12
    expect:
      tax: {luonan: "50.00", shangzhou: "50.00"}
  - name: 写错的预期
    project: {planned_investment: 30000000}
    transfers:
      - {from: luonan, to: shangzhou, effective: 2020-01}
    actuals:
      tax: {2020-01: "100.00"}
    through: 2020-12
    expect:
      tax: {luonan: "60.00", shangzhou: "40.00"}
      rent: {luonan: "1.00"}
  - name: 预期出错却算出了金额
    project: {planned_investment: 30000000}
    transfers:
      - {from: luonan, to: shangzhou, effective: 2020-01}
    through: 2020-12
    expect_error: not eligible
  - name: 未声明的指标
    project: {planned_investment: 30000000}
    transfers:
      - {from: luonan, to: shangzhou, effective: 2020-01}
    actuals:
      gdp: {2020-01: "1.00"}
    through: 2020-12
    expect:
      tax: {luonan: "0.00"}
"""


class Messages(HTMLParser):
    """The text of a page's message areas: alerts, errors, hints and the problem tables."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.inside = 0  # the depth at which the message area opened, or 0
        self.code = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        self.depth += 1
        if tag == "code":
            self.code += 1
        found = dict(attrs)
        classes = set((found.get("class") or "").split())
        message = found.get("role") == "alert" or classes & MESSAGE_CLASSES or found.get("id") in MESSAGE_IDS
        if message and not self.inside:
            self.inside = self.depth

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if tag == "code":
            self.code -= 1
        if self.inside == self.depth:
            self.inside = 0
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.inside and not self.code and data.strip():
            self.texts.append(data.strip())


def messages(page: str) -> list[str]:
    parser = Messages()
    parser.feed(page)
    return parser.texts


QUOTED = re.compile(r"'[^'\n]*'")  # a value as the reader wrote it, quoted by the service


def english_in(page: str) -> list[str]:
    return [text for text in messages(page) if ENGLISH.search(QUOTED.sub("", text))]


class Said:
    """Every sentence the services gave the pages to show, as they wrote it."""

    def __init__(self) -> None:
        self.sentences: list[str] = []

    def __call__(self, original: Any) -> Any:
        def spy(sentence: str, *args: Any, **kwargs: Any) -> str:
            self.sentences.append(sentence)
            return str(original(sentence, *args, **kwargs))

        return spy


def _served(folder: Path, template: tuple[Path, dict[str, str]]) -> Web:
    source, tokens = template
    shutil.copy(source, folder / "pool.db")
    return Web(f"sqlite:///{folder / 'pool.db'}", tokens)


@pytest.fixture(scope="module")
def driven(
    tmp_path_factory: pytest.TempPathFactory,
    story_template: tuple[Path, dict[str, str]],
    bulletin_template: tuple[Path, dict[str, str]],
) -> Iterator[tuple[list[tuple[str, int, str]], list[str]]]:
    """Each refusal's (what, status, page) on the Chinese pages, and every sentence said."""
    web = _served(tmp_path_factory.mktemp("chinese-pages"), story_template)
    ledgers = [_served(tmp_path_factory.mktemp("tampered-ledger"), bulletin_template) for _ in TAMPERINGS]
    said = Said()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sentences, "in_language", said(sentences.in_language))
        seen = _drive(web)
        for tampering, ledger in zip(TAMPERINGS, ledgers, strict=True):
            seen += tampering(ledger)
        yield seen, said.sentences
    for served in (web, *ledgers):
        served.close()


def _post(client: Any, path: str, data: dict[str, str], **kwargs: Any) -> Any:
    token = hidden(client.get("/").text, "csrf")
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False, **kwargs)


PROJECT = {
    "name": "钼精深加工",
    "investor": "金钼股份",
    "chain": "new_materials",
    "kind": "manufacturing",
    "investment": "350000000",
    "capital_source": "out_of_city",
}


def _drive(web: Web) -> list[tuple[str, int, str]]:
    seen: list[tuple[str, int, str]] = []

    def saw(what: str, response: Any) -> Any:
        seen.append((what, response.status_code, response.text))
        return response

    luonan, shangzhou = web.login("luonan-bureau"), web.login("shangzhou-bureau")
    city, policy, auditor = web.login("city-office"), web.login("policy-desk"), web.login("audit-bureau")
    for code, name in (("ZS-001", "无人机整机制造项目"), ("ZS-002", "智能穿戴产品生产项目")):
        assert (
            _post(luonan, "/projects", {**PROJECT, "code": code, "name": name, "investor": name}).status_code
            == 303
        )

    # registering and staging projects
    for what, changed in (
        (
            "duplicate lead",
            {"code": "ZS-003", "name": "无人机整机制造项目", "investor": "无人机整机制造项目"},
        ),
        ("duplicate code", {"code": "ZS-001", "name": "新项目", "investor": "新公司"}),
        ("bad amount", {"code": "ZS-004", "investment": "三亿"}),
        ("no name", {"code": "ZS-005", "name": ""}),
        ("bad chain", {"code": "ZS-006", "chain": "nowhere"}),
        ("bad kind", {"code": "ZS-007", "kind": "mining"}),
        ("bad source", {"code": "ZS-008", "capital_source": "moon"}),
        ("bad code", {"code": "项目 1"}),
    ):
        saw(f"project: {what}", _post(luonan, "/projects", {**PROJECT, **changed}))
    saw("project: not a county", _post(auditor, "/projects", {**PROJECT, "code": "ZS-009"}))
    saw("stage: unknown", _post(luonan, "/projects/ZS-001/stage", {"stage": "flying"}))
    saw("stage: bad month", _post(luonan, "/projects/ZS-001/stage", {"stage": "signed", "month": "2024-13"}))
    saw("stage: not ours", _post(shangzhou, "/projects/ZS-001/stage", {"stage": "signed"}))
    saw("project: none", luonan.get("/projects/NOPE"))

    # listings and claims
    saw("listing: not ours", _post(shangzhou, "/projects/ZS-001/listings", {"reason": "用地不足"}))
    saw("listing: bad days", _post(luonan, "/projects/ZS-001/listings", {"reason": "用地不足", "days": "0"}))
    saw("listing: bad need", _post(luonan, "/projects/ZS-001/listings", {"reason": "用地", "needs": "land"}))
    saw("listing: no reason", _post(luonan, "/projects/ZS-001/listings", {"reason": ""}))
    assert _post(luonan, "/projects/ZS-001/listings", {"reason": "用地不足"}).status_code == 303
    saw("listing: twice", _post(luonan, "/projects/ZS-001/listings", {"reason": "用地不足"}))
    saw("listing: none", luonan.get("/listings/99"))
    saw("claim: own listing", _post(luonan, "/listings/1/claims", {"note": ""}))
    assert _post(shangzhou, "/listings/1/claims", {"note": "园区有能耗余量"}).status_code == 303
    saw("claim: twice", _post(shangzhou, "/listings/1/claims", {"note": ""}))
    saw("listing: withdraw not ours", _post(shangzhou, "/listings/1/withdraw", {}))
    saw("claim: withdraw not ours", _post(luonan, "/claims/1/withdraw", {}))
    saw("claim: decide as a county", luonan.get("/claims/1"))
    saw("claim: none", city.get("/claims/99"))

    # deciding a claim
    for what, values in (
        ("above the maximum", {"effective": "2024-08", "agreement.origin_tax_share": "60"}),
        ("below the minimum", {"effective": "2024-08", "agreement.origin_tax_share": "20"}),
        ("not a ratio", {"effective": "2024-08", "agreement.origin_tax_share": "四成"}),
        ("bad month", {"effective": "2024-13"}),
        ("future month", {"effective": "2099-01"}),
        ("before the ruleset", {"effective": "2020-01"}),
    ):
        saw(f"approve: {what}", _post(city, "/claims/1/approve", values))
    saw(
        "preview: above",
        city.get("/claims/1/preview", params={"effective": "2024-08", "agreement.origin_tax_share": "60"}),
    )
    saw("reject: no reason", _post(city, "/claims/1/reject", {"reason": ""}))
    assert _post(city, "/claims/1/approve", {"effective": "2024-08"}).status_code == 303
    saw("approve: decided", _post(city, "/claims/1/approve", {"effective": "2024-08"}))
    saw("reject: decided", _post(city, "/claims/1/reject", {"reason": "晚了"}))
    saw("claim: withdraw decided", _post(shangzhou, "/claims/1/withdraw", {}))
    assert _post(luonan, "/projects/ZS-002/listings", {"reason": "能耗不足"}).status_code == 303
    assert _post(luonan, "/listings/2/withdraw", {}).status_code == 303
    saw("claim: listing withdrawn", _post(shangzhou, "/listings/2/claims", {"note": ""}))
    saw("transfer: none", city.get("/transfers/99"))
    saw("transfer: not settled", city.get("/transfers/1"))

    # actuals: the command line's invalid files, each refused whole
    saw("actuals: no file", _post(city, "/actuals", {}))
    assert _post(city, "/actuals", {}, files={"file": ("base.csv", BASE.encode())}).status_code == 200
    saw(
        "actuals: restate without reason",
        _post(city, "/actuals", {"restate": "on"}, files={"file": ("a.csv", BASE.encode())}),
    )
    for case, content, name, _fragments in INVALID:
        if case == "new value in a closed period":
            continue  # after the close below
        body = content if isinstance(content, bytes) or content.startswith("project,") else HEADER + content
        data = body.encode() if isinstance(body, str) else body
        saw(f"actuals: {case}", _post(city, "/actuals", {}, files={"file": (name, data)}))

    # settling and closing
    saw("settle: bad month", _post(city, "/settle", {"period": "2024-13"}))
    saw("settle: future", _post(city, "/settle", {"period": "2099-01"}))
    saw("settle: missing figures", _post(city, "/settle", {"period": "2024-08"}))
    saw("settle: backwards", _post(city, "/settle", {"period": "2024-07"}))
    saw("close: bad month", _post(city, "/periods/close", {"through": "2024-3"}))
    saw("close: future", _post(city, "/periods/close", {"through": "2099-01"}))
    assert _post(city, "/periods/close", {"through": "2024-02"}).status_code == 200
    closed = next(c for c in INVALID if c[0] == "new value in a closed period")
    saw(
        "actuals: closed period",
        _post(city, "/actuals", {}, files={"file": ("a.csv", (HEADER + str(closed[1])).encode())}),
    )
    saw("actuals: as a county", _post(luonan, "/actuals", {}, files={"file": ("a.csv", BASE.encode())}))

    # actors
    saw(
        "actor: duplicate",
        _post(city, "/actors", {"name": "luonan-bureau", "role": "county", "region": "luonan"}),
    )
    saw("actor: bad role", _post(city, "/actors", {"name": "new-desk", "role": "mayor"}))
    saw("actor: county without region", _post(city, "/actors", {"name": "new-bureau", "role": "county"}))
    saw("actor: bad name", _post(city, "/actors", {"name": "新 操作员", "role": "policy"}))
    saw("actor: revoke unknown", _post(city, "/actors/nobody/revoke", {}))
    saw("actors: as a county", luonan.get("/actors"))

    # rules: checking, testing, publishing
    saw("rules: no file", _post(policy, "/rules/check", {"do": "check"}))
    for what, old, new in RULE_FILES:
        assert old in VALID, what
        text = VALID.replace(old, new)
        saw(
            f"rules: {what}",
            _post(policy, "/rules/check", {"do": "check"}, files={"file": ("demo.yaml", text.encode())}),
        )
    saw(
        "rules: publish as the city",
        _post(city, "/rules/check", {"do": "publish"}, files={"file": ("demo.yaml", VALID.encode())}),
    )
    saw("rules test: no files", _post(policy, "/rules/test", {}))
    files = {"rules": ("demo.yaml", VALID.encode()), "cases": ("demo.cases.yaml", CASES.encode())}
    saw("rules test: failing cases", _post(policy, "/rules/test", {}, files=files))
    broken = {
        "rules": ("demo.yaml", VALID.replace("mode: split", "mode: splt").encode()),
        "cases": files["cases"],
    }
    saw("rules test: broken rules", _post(policy, "/rules/test", {}, files=broken))
    required = VALID.replace("agreement:\n", "agreement:\n  land_bonus: {type: amount, required: true}\n")
    saw(
        "rules test: a required value",
        _post(policy, "/rules/test", {}, files={**files, "rules": ("demo.yaml", required.encode())}),
    )
    bad_cases = CASES.replace("    through: 2020-12\n", "    throug: 2020-12\n", 1)
    saw(
        "rules test: broken cases",
        _post(policy, "/rules/test", {}, files={**files, "cases": ("c.yaml", bad_cases.encode())}),
    )
    saw("rules: no such version", luonan.get("/rules/shangluo-default/9.9"))

    # the ledger and the audit log
    for what, content in NOT_CHECKPOINTS:
        saw(f"ledger: {what}", _post(auditor, "/ledger/verify", {}, files={"file": ("cp.json", content)}))
    taken = auditor.get("/ledger/checkpoint").text
    wrong = json.dumps({**json.loads(taken), "entries": json.loads(taken)["entries"] + 3, "head": "1" * 64})
    saw(
        "ledger: another ledger",
        _post(auditor, "/ledger/verify", {}, files={"file": ("cp.json", wrong.encode())}),
    )
    saw("audit: bad date", auditor.get("/audit", params={"since": "昨天"}))
    saw("audit: as a county", luonan.get("/audit"))

    # the reports
    saw("bulletin: bad period", luonan.get("/reports/bulletin", params={"period": "2025Q5"}))
    scheme = {"year": "2025", "scheme": "shangluo-assessment"}
    saw("assessment: none published", luonan.get("/reports/assessment", params=scheme))
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "scheme.yaml").write_text(SCHEME, encoding="utf-8")
        web.pool.ok("policy-desk", "assessment", "publish", str(Path(folder) / "scheme.yaml"))
    saw("assessment: another year", luonan.get("/reports/assessment", params={**scheme, "year": "2024"}))
    return seen


def _verified(web: Web, what: str, checkpoints: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """The ledger page of a county and of an auditor, against each checkpoint, after a tampering."""
    auditor = web.login("audit-bureau")
    seen = [(f"{what}: verify", *_answer(web.login("danfeng-bureau").get("/ledger")))]
    for i, checkpoint in enumerate(checkpoints):
        upload = {"file": ("cp.json", json.dumps(checkpoint).encode())}
        seen.append((f"{what}: checkpoint {i}", *_answer(_post(auditor, "/ledger/verify", {}, files=upload))))
    return seen


def _answer(response: Any) -> tuple[int, str]:
    return response.status_code, response.text


def _kept(table: str, order: str) -> str:
    """The first or last kept sum of `table` that a county's statement shows, as a subquery."""
    kept = f"SELECT rowid FROM {table} WHERE amount != 0 AND region NOT LIKE '@%'"
    return f"({kept} ORDER BY rowid {order} LIMIT 1)"


def _ledger_rewritten(web: Web) -> list[tuple[str, int, str]]:
    """Every kept sum and stored input edited beside the ledger, and the last entry and input
    record rewritten after a checkpoint was taken."""
    taken = json.loads(web.login("audit-bureau").get("/ledger/checkpoint").text)
    insider = Insider(web.pool, Path("unused"))
    last_entry = "(SELECT MAX(seq) FROM ledger_entries)"
    for statement in (
        f"UPDATE ledger_postings SET amount = amount + 1 WHERE id = (SELECT MIN(id) FROM ledger_postings "
        f"WHERE entry_seq = {last_entry})",
        "UPDATE ledger_accounts SET balance = balance + 5 WHERE id = (SELECT MIN(id) FROM ledger_accounts)",
        "UPDATE ledger_accounts SET region = 'nowhere' WHERE id = (SELECT MAX(id) FROM ledger_accounts)",
        "UPDATE transfer_positions SET amount = amount + 7 WHERE rowid = "
        + _kept("transfer_positions", "ASC"),
        "DELETE FROM transfer_positions WHERE rowid = " + _kept("transfer_positions", "DESC"),
        "UPDATE position_years SET amount = amount + 3 WHERE rowid = " + _kept("position_years", "ASC"),
        "DELETE FROM position_years WHERE rowid = " + _kept("position_years", "DESC"),
        "UPDATE payable_sums SET amount = amount + 1 WHERE rowid = (SELECT MIN(rowid) FROM payable_sums)",
        "UPDATE input_journal SET body = body || ' ' WHERE seq = (SELECT MAX(seq) FROM input_journal)",
        "UPDATE settlement_runs SET journal_head = '" + "f" * 64 + "' WHERE id = (SELECT MAX(id) FROM "
        "settlement_runs)",
        "UPDATE actual_revisions SET amount = amount + 100 WHERE id = (SELECT MIN(id) FROM actual_revisions)",
        "UPDATE actuals SET amount = amount + 100 WHERE id = (SELECT MAX(id) FROM actuals)",
        "UPDATE ruleset_versions SET text = text || ' ' WHERE id = (SELECT MIN(id) FROM ruleset_versions)",
        "UPDATE projects SET host = 'luonan' WHERE id = (SELECT MIN(id) FROM projects)",
    ):
        insider.sql(statement)
    return _verified(web, "ledger rewritten", [taken])


def _ledger_cut(web: Web) -> list[tuple[str, int, str]]:
    """An entry and an input record deleted from the middle, each where a checkpoint ends, and
    an actual's current value and its latest revision deleted."""
    insider = Insider(web.pool, Path("unused"))
    with insider.engine.connect() as conn:
        entries, records = (
            conn.execute(text(f"SELECT MAX(seq) FROM {table}")).scalar_one()
            for table in ("ledger_entries", "input_journal")
        )
    for statement in (
        f"DELETE FROM ledger_entries WHERE seq = {entries // 2}",
        f"DELETE FROM input_journal WHERE seq = {records // 2}",
        "DELETE FROM actuals WHERE id = (SELECT MIN(id) FROM actuals)",
        "DELETE FROM actual_revisions WHERE id = (SELECT MAX(id) FROM actual_revisions)",
    ):
        insider.sql(statement)
    cut = {"entries": entries // 2, "head": "1" * 64, "inputs": records // 2, "inputs_head": "2" * 64}
    longer = {"entries": 0, "head": "0" * 64, "inputs": records + 3, "inputs_head": "2" * 64}
    return _verified(web, "ledger cut", [cut, longer])


TAMPERINGS = (_ledger_rewritten, _ledger_cut)
HEAD = "a" * 64
NOT_CHECKPOINTS = [
    ("empty", b"{}"),
    ("not JSON", b"entries: 3"),
    ("not an object", b"[3]"),
    ("bad head", json.dumps({"entries": 3, "head": "abc"}).encode()),
    ("empty ledger", json.dumps({"entries": 0, "head": HEAD}).encode()),
    ("bad inputs", json.dumps({"entries": 3, "head": HEAD, "inputs": "many"}).encode()),
    ("inputs without a head", json.dumps({"entries": 3, "head": HEAD, "inputs": 4}).encode()),
    ("bad inputs head", json.dumps({"entries": 3, "head": HEAD, "inputs": 4, "inputs_head": "x"}).encode()),
]


def test_no_refusal_on_a_chinese_page_is_english(
    driven: tuple[list[tuple[str, int, str]], list[str]],
) -> None:
    seen, _said = driven
    answered = {what: status for what, status, _page in seen if status < 400}
    # the projected split answers in place, a transfer not yet settled, a settlement with missing
    # figures and the ledger page of a tampered ledger say so; the rest are refused …
    assert answered == {
        "preview: above": 200,
        "transfer: not settled": 200,
        "settle: missing figures": 200,
        "ledger rewritten: verify": 200,
        "ledger cut: verify": 200,
    }
    leaks = {what: english_in(page) for what, _status, page in seen if english_in(page)}
    assert leaks == {}  # … and each said in Chinese


def test_the_detector_finds_an_english_sentence_and_passes_codes() -> None:
    assert english_in('<p class="error">metric gdp is not declared</p>') == ["metric gdp is not declared"]
    assert (
        english_in('<td class="num">3</td><p role="alert">指标 gdp 未声明：shares[0].mode、draft.yaml:4</p>')
        == []
    )
    assert english_in('<p class="hint">写成 <code>pool rules test</code></p><p>free text here</p>') == []
    assert english_in("<p class=\"error\">'Shang Luo' 不是有效的规则编号</p>") == []


def test_every_shape_matches_a_sentence_the_services_said(
    driven: tuple[list[tuple[str, int, str]], list[str]],
) -> None:
    _seen, said = driven
    lines = [line.strip() for sentence in said for line in sentence.split("\n")]
    rows = [row["rest"].split("; ") for line in lines if (row := sentences.ROW.match(line))]
    runs = {
        "; ".join(parts[i:j])
        for parts in rows
        for i in range(len(parts))
        for j in range(i + 1, len(parts) + 1)
    }
    texts = set(lines) | runs
    for _ in range(3):  # and the sentences inside them (`amount: …`)
        texts |= {
            m["sentence"]
            for shape, _c in sentences.LINES
            for t in texts
            if (m := shape.match(t)) and m.groupdict().get("sentence")
        }
    unused = [shape.pattern for shape, _chinese in sentences.LINES if not any(shape.match(t) for t in texts)]
    assert unused == [], "\n".join(unused)
