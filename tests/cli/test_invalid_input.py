"""Every invalid input a user can type into the workflow commands: exit code, message, and
nothing changed in the database (the attempt itself is audited)."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from support.driver import Pool
from test_permissions import template  # noqa: F401  (the seeded pool fixture)

from pool.bootstrap import Adapters, utc_now

ADD = [
    "project",
    "add",
    "ZS-010",
    "--name",
    "新项目",
    "--investor",
    "某公司",
    "--chain",
    "electronics",
    "--kind",
    "manufacturing",
    "--investment",
    "1000",
    "--capital-source",
    "local",
]


def _add(**changes: str) -> list[str]:
    args = list(ADD)
    for key, value in changes.items():
        flag = "--" + key.replace("_", "-")
        if key == "code":
            args[2] = value
        else:
            args[args.index(flag) + 1] = value
    return args


APPROVE = ["claim", "approve", "1", "--effective", "2024-08", "--ruleset", "pool-test"]

# (case, actor, args, exit code, message fragment)
CASES = [
    ("unknown region", "city-office", _add() + ["--origin", "xian"], 1, "'xian' is not a region"),
    ("city region as origin", "city-office", _add() + ["--origin", "shangluo"], 1, "origin is a county"),
    ("unknown chain", "zhashui-bureau", _add(chain="steel"), 1, "'steel' is not an industry chain"),
    ("unknown kind", "zhashui-bureau", _add(kind="mining"), 1, "'mining' is not a kind"),
    (
        "unknown capital source",
        "zhashui-bureau",
        _add(capital_source="abroad"),
        1,
        "'abroad' is not a capital source",
    ),
    ("malformed code", "zhashui-bureau", _add(code="ZS 010!"), 1, "is not a project code"),
    ("negative amount", "zhashui-bureau", _add(investment="-5"), 1, "may not be negative"),
    ("non-numeric amount", "zhashui-bureau", _add(investment="一亿"), 1, "is not an amount"),
    ("over-precise amount", "zhashui-bureau", _add(investment="10.001"), 1, "more than two decimals"),
    ("exponent amount", "zhashui-bureau", _add(investment="1e8"), 1, "exponent"),
    ("empty name", "zhashui-bureau", _add(name="  "), 1, "may not be empty"),
    ("duplicate code", "zhashui-bureau", _add(code="ZS-001"), 1, "code ZS-001 already exists"),
    (
        "duplicate lead, folded",
        "danfeng-bureau",
        _add(name=" 无人机整机制造项目 ", investor="陕西国飞无人机 "),
        1,
        "already registered as project ZS-001",
    ),
    (
        "duplicate lead, full-width and case",
        "zhashui-bureau",
        [
            "project",
            "add",
            "ZS-011",
            "--name",
            "Ｓｍａｒｔ  Wear",
            "--investor",
            "ＡＢＣ Ltd",
            "--chain",
            "electronics",
            "--kind",
            "other",
            "--investment",
            "1",
            "--capital-source",
            "local",
        ],
        1,
        "already registered as project ZS-003",
    ),
    (
        "malformed month",
        "zhashui-bureau",
        ["project", "stage", "ZS-001", "signed", "--month", "2024-13"],
        1,
        "the month must be 01 to 12",
    ),
    (
        "month not YYYY-MM",
        "zhashui-bureau",
        ["project", "stage", "ZS-001", "signed", "--month", "May 2024"],
        1,
        "write it as YYYY-MM",
    ),
    (
        "unknown stage",
        "zhashui-bureau",
        ["project", "stage", "ZS-001", "finished"],
        1,
        "'finished' is not a stage",
    ),
    ("stage backwards", "zhashui-bureau", ["project", "stage", "ZS-002", "planned"], 1, "cannot go back"),
    (
        "unknown milestone",
        "zhashui-bureau",
        ["project", "stage", "ZS-001", "--milestone", "opening=2024-01"],
        1,
        "is not a milestone",
    ),
    ("unknown project", "zhashui-bureau", ["project", "show", "NOPE"], 1, "no project 'NOPE'"),
    (
        "terminated project listed",
        "zhashui-bureau",
        ["listing", "open", "ZS-004", "--reason", "x"],
        1,
        "terminated project cannot",
    ),
    (
        "second open listing",
        "zhashui-bureau",
        ["listing", "open", "ZS-001", "--reason", "x"],
        4,
        "already has open listing 1",
    ),
    (
        "bad need",
        "zhashui-bureau",
        ["listing", "open", "ZS-002", "--reason", "x", "--need", "land_mu=-3"],
        1,
        "not a non-negative number",
    ),
    (
        "need without value",
        "zhashui-bureau",
        ["listing", "open", "ZS-002", "--reason", "x", "--need", "land_mu"],
        1,
        "is not a need",
    ),
    (
        "zero-day window",
        "zhashui-bureau",
        ["listing", "open", "ZS-002", "--reason", "x", "--days", "0"],
        1,
        "1 to 366 days",
    ),
    ("claim own listing", "zhashui-bureau", ["claim", "submit", "1"], 1, "cannot claim its own listing"),
    (
        "claim twice",
        "shangzhou-bureau",
        ["claim", "submit", "1"],
        1,
        "already has a pending claim on listing 1",
    ),
    ("claim unknown listing", "danfeng-bureau", ["claim", "submit", "99"], 1, "no listing 99"),
    ("agreement value missing", "city-office", APPROVE, 1, "'pre_move_tax_3y' is required"),
    (
        "agreement value of wrong type",
        "city-office",
        APPROVE + ["--agreement", "pre_move_tax_3y=lots"],
        1,
        "'pre_move_tax_3y'",
    ),
    (
        "agreement flag of wrong type",
        "city-office",
        APPROVE + ["--agreement", "pre_move_tax_3y=1800000", "--agreement", "government_led=maybe"],
        1,
        "'government_led'",
    ),
    (
        "agreement value below bounds",
        "city-office",
        APPROVE + ["--agreement", "pre_move_tax_3y=999999.99"],
        1,
        "'pre_move_tax_3y'",
    ),
    (
        "agreement ratio above bounds",
        "city-office",
        APPROVE + ["--agreement", "pre_move_tax_3y=1800000", "--agreement", "origin_share=70%"],
        1,
        "'origin_share'",
    ),
    (
        "agreement key unknown",
        "city-office",
        APPROVE + ["--agreement", "pre_move_tax_3y=1800000", "--agreement", "bonus=1"],
        1,
        "'bonus' is not declared",
    ),
    (
        "agreement pair malformed",
        "city-office",
        APPROVE + ["--agreement", "pre_move_tax_3y"],
        1,
        "is not an agreement value",
    ),
    (
        "no version in force",
        "city-office",
        [
            "claim",
            "approve",
            "1",
            "--effective",
            "2023-06",
            "--ruleset",
            "pool-test",
            "--agreement",
            "pre_move_tax_3y=1800000",
        ],
        1,
        "in force in 2023-06",
    ),
    (
        "unpublished ruleset",
        "city-office",
        ["claim", "approve", "1", "--effective", "2024-08", "--ruleset", "nope"],
        1,
        "No version of ruleset 'nope' is published",
    ),
    (
        "malformed effective month",
        "city-office",
        ["claim", "approve", "1", "--effective", "2024-8", "--ruleset", "pool-test"],
        1,
        "YYYY-MM",
    ),
    (
        "republish with other text",
        "policy-desk",
        ["rules", "publish", "CHANGED"],
        1,
        "already published with different text",
    ),
    ("invalid rule file", "policy-desk", ["rules", "publish", "BROKEN"], 1, "BROKEN"),
    (
        "actor for unknown region",
        "city-office",
        ["actor", "add", "x", "--role", "county", "--region", "xian"],
        1,
        "not a region",
    ),
    (
        "county actor without region",
        "city-office",
        ["actor", "add", "x", "--role", "county"],
        1,
        "needs --region",
    ),
    (
        "duplicate actor",
        "city-office",
        ["actor", "add", "zhashui-bureau", "--role", "policy"],
        1,
        "already exists",
    ),
    ("audit since malformed", "city-office", ["audit", "--since", "yesterday"], 1, "not a date or time"),
]


@pytest.fixture
def pool(template, tmp_path: Path) -> Pool:  # noqa: F811
    source, tokens = template
    shutil.copy(source, tmp_path / "pool.db")
    p = Pool(f"sqlite:///{tmp_path / 'pool.db'}")
    p.tokens.update(tokens)
    p.ok(
        "zhashui-bureau",
        "project",
        "add",
        "ZS-003",
        "--name",
        "smart wear",
        "--investor",
        "abc LTD",
        "--chain",
        "electronics",
        "--kind",
        "other",
        "--investment",
        "1",
        "--capital-source",
        "local",
    )
    p.ok(
        "zhashui-bureau",
        "project",
        "add",
        "ZS-004",
        "--name",
        "终止项目",
        "--investor",
        "某",
        "--chain",
        "electronics",
        "--kind",
        "other",
        "--investment",
        "1",
        "--capital-source",
        "local",
    )
    p.ok("zhashui-bureau", "project", "stage", "ZS-004", "terminated")
    p.ok("zhashui-bureau", "project", "stage", "ZS-002", "signed", "--month", "2024-02")
    return p


@pytest.mark.parametrize("case,actor,args,code,message", CASES, ids=[c[0] for c in CASES])
def test_invalid_input_changes_nothing(
    pool: Pool, tmp_path: Path, case: str, actor: str, args: list[str], code: int, message: str
) -> None:
    args = [_file(tmp_path, a) for a in args]
    before, audit_before = pool.snapshot(), len(pool.rows("audit_log"))
    result = pool.run(actor, *args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert message in result.stderr
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert pool.snapshot() == before
    audit = pool.rows("audit_log")
    if len(audit) > audit_before:  # write commands record the refused attempt
        assert audit[-1]["outcome"] == ("conflict" if code == 4 else "invalid")
        assert "error" in audit[-1]["detail"]
    pool.close()


def _file(tmp_path: Path, arg: str) -> str:
    from support.driver import FIXTURES

    if arg == "CHANGED":
        path = tmp_path / "changed.yaml"
        path.write_text(
            (FIXTURES / "pool-test-1.yaml").read_text("utf-8").replace("第一版", "第一版(改)"), "utf-8"
        )
        return str(path)
    if arg == "BROKEN":
        path = tmp_path / "BROKEN.yaml"
        path.write_text("ruleset: x\nversion: '1'\nsurprise: true\n", "utf-8")
        return str(path)
    return arg


def test_expired_listing_cannot_be_claimed_or_approved(pool: Pool) -> None:
    later = utc_now() + timedelta(days=31)
    pool.adapters = Adapters(clock=lambda: later)
    before = pool.snapshot()
    claim = pool.run("danfeng-bureau", "claim", "submit", "1")
    assert claim.exit_code == 4 and "Listing 1 is expired, not open" in claim.stderr
    approve = pool.run("city-office", *APPROVE, "--agreement", "pre_move_tax_3y=1800000")
    assert approve.exit_code == 4 and "Listing 1 is expired" in approve.stderr
    assert pool.snapshot() == before
    pool.close()


def test_decided_claims_and_closed_listings_conflict(pool: Pool) -> None:
    pool.ok("city-office", *APPROVE, "--agreement", "pre_move_tax_3y=1800000")
    before = pool.snapshot()
    for actor, args, message in [
        (
            "city-office",
            [*APPROVE, "--agreement", "pre_move_tax_3y=1800000"],
            "Claim 1 is approved, not pending",
        ),
        ("city-office", ["claim", "reject", "1", "--reason", "x"], "not pending"),
        ("shangzhou-bureau", ["claim", "withdraw", "1"], "not pending"),
        ("danfeng-bureau", ["claim", "submit", "1"], "Listing 1 is transferred, not open"),
        ("city-office", ["listing", "withdraw", "1"], "Listing 1 is transferred"),
    ]:
        result = pool.run(actor, *args)
        assert result.exit_code == 4 and message in result.stderr, result.stderr
    assert pool.snapshot() == before
    assert pool.rows("audit_log")[-1]["outcome"] == "conflict"
    pool.close()


def test_usage_errors_exit_2(pool: Pool) -> None:
    result = pool.run("city-office", "listing", "show", "one")
    assert result.exit_code == 2
    result = pool.run("city-office", "actor", "add", "x", "--role", "mayor")
    assert result.exit_code == 2


def test_every_command_has_help_with_an_example() -> None:
    import click
    from click.testing import CliRunner

    from pool.cli import main

    def walk(group: click.Group, path: list[str]):  # type: ignore[no-untyped-def]
        for name, command in group.commands.items():
            yield path + [name], command
            if isinstance(command, click.Group):
                yield from walk(command, path + [name])

    for path, _command in walk(main, []):
        out = CliRunner().invoke(main, [*path, "--help"])
        assert out.exit_code == 0 and "Example" in out.stdout, path
