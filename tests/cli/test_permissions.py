"""Every command of the workflow under every role, a wrong token and no actor.

Each case runs on its own copy of a seeded pool: zhashui hosts and has listed ZS-001 (listing
1), shangzhou has claimed it (claim 1), and zhashui also hosts the unlisted ZS-002; the test
ruleset is the pool's default and a 2024 assessment scheme is published, for the bulletin and the
assessment.
"""

import shutil
from pathlib import Path

import pytest
from support.driver import Pool, seeded

from pool.store.engine import make_engine

IDENTITIES = (
    "city-office",
    "zhashui-bureau",
    "shangzhou-bureau",
    "danfeng-bureau",
    "policy-desk",
    "audit-bureau",
)
ALL = set(IDENTITIES)
LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"

# (command, args, who may run it, exit codes other than 3 for particular identities)
CASES: list[tuple[str, list[str], set[str], dict[str, int]]] = [
    ("region list", ["region", "list"], ALL, {}),
    (
        "actor add",
        ["actor", "add", "new-bureau", "--role", "county", "--region", "luonan"],
        {"city-office"},
        {},
    ),
    ("actor list", ["actor", "list"], {"city-office"}, {}),
    (
        "project add",
        [
            "project",
            "add",
            "ZS-009",
            "--name",
            "硅基新材料项目",
            "--investor",
            "陕有色",
            "--chain",
            "new_materials",
            "--kind",
            "manufacturing",
            "--investment",
            "50000000",
            "--capital-source",
            "out_of_city",
            "--origin",
            "zhashui",
        ],
        {"city-office", "zhashui-bureau"},
        {},
    ),
    ("project list", ["project", "list"], ALL, {}),
    ("project show", ["project", "show", "ZS-001"], ALL, {}),
    ("project stage", ["project", "stage", "ZS-001", "negotiating"], {"city-office", "zhashui-bureau"}, {}),
    (
        "listing open",
        ["listing", "open", "ZS-002", "--reason", "用地不足"],
        {"city-office", "zhashui-bureau"},
        {},
    ),
    ("listing list", ["listing", "list"], ALL, {}),
    ("listing show", ["listing", "show", "1"], ALL, {}),
    ("listing withdraw", ["listing", "withdraw", "1"], {"city-office", "zhashui-bureau"}, {}),
    (
        "claim submit",
        ["claim", "submit", "1"],
        {"danfeng-bureau"},
        {"zhashui-bureau": 1, "shangzhou-bureau": 1},
    ),  # own listing; already pending
    ("claim withdraw", ["claim", "withdraw", "1"], {"shangzhou-bureau"}, {}),
    (
        "claim approve",
        [
            "claim",
            "approve",
            "1",
            "--effective",
            "2024-08",
            "--ruleset",
            "pool-test",
            "--agreement",
            "pre_move_tax_3y=1800000",
        ],
        {"city-office"},
        {},
    ),
    ("claim reject", ["claim", "reject", "1", "--reason", "不符合产业定位"], {"city-office"}, {}),
    ("transfer list", ["transfer", "list"], ALL, {}),
    ("transfer show", ["transfer", "show", "9"], set(), {i: 1 for i in IDENTITIES}),
    ("rules publish", ["rules", "publish", str(LIBRARY / "shangluo-default.yaml")], {"policy-desk"}, {}),
    ("rules list", ["rules", "list"], ALL, {}),
    ("audit", ["audit"], {"city-office", "audit-bureau"}, {}),
    ("actor revoke", ["actor", "revoke", "policy-desk"], {"city-office"}, {}),
    ("ledger checkpoint", ["ledger", "checkpoint"], ALL - {"policy-desk"}, {}),
    ("ledger verify", ["ledger", "verify"], ALL - {"policy-desk"}, {}),
    ("ledger verify --deep", ["ledger", "verify", "--deep"], ALL - {"policy-desk"}, {}),
    ("ledger export", ["ledger", "export", "--format", "csv"], ALL - {"policy-desk"}, {}),
    ("db backup", ["db", "backup", "{tmp}/backup.db"], {"city-office"}, {}),
    ("report bulletin", ["report", "bulletin", "--period", "2024Q3"], ALL, {}),
    (
        "report assessment",
        ["report", "assessment", "--year", "2024", "--scheme", "table-assessment"],
        ALL,
        {},
    ),
]
SCHEME = """\
scheme: table-assessment
version: "1"
title: 2024年度考核
year: 2024
indicators:
  - indicator: fiscal:tax
    weight: 100
"""
WRITES = {
    "actor add",
    "actor revoke",
    "project add",
    "project stage",
    "listing open",
    "listing withdraw",
    "claim submit",
    "claim withdraw",
    "claim approve",
    "claim reject",
    "rules publish",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    shutil.copy(sqlite_template, path)
    from pool.domain import tokens

    saved, tokens._N = tokens._N, 2**8
    try:
        pool = seeded(f"sqlite:///{path}")
        pool.ok(
            "zhashui-bureau",
            "project",
            "add",
            "ZS-002",
            "--name",
            "智能穿戴产品生产项目",
            "--investor",
            "赛鲲鹏",
            "--chain",
            "electronics",
            "--kind",
            "manufacturing",
            "--investment",
            "80000000",
            "--capital-source",
            "out_of_province",
        )
        pool.ok("policy-desk", "rules", "default", "pool-test")
        scheme = path.parent / "table-assessment.yaml"
        scheme.write_text(SCHEME, encoding="utf-8")
        pool.ok("policy-desk", "assessment", "publish", str(scheme))
    finally:
        tokens._N = saved
    pool.close()
    make_engine(f"sqlite:///{path}").dispose()
    return path, dict(pool.tokens)


def _expected(identity: str, allowed: set[str], others: dict[str, int]) -> int:
    if identity in allowed:
        return 0
    return others.get(identity, 3)


@pytest.mark.parametrize("identity", [*IDENTITIES, "wrong-token", "no-actor"])
@pytest.mark.parametrize("name,args,allowed,others", CASES, ids=[c[0] for c in CASES])
def test_command_under_identity(
    template: tuple[Path, dict[str, str]],
    tmp_path: Path,
    identity: str,
    name: str,
    args: list[str],
    allowed: set[str],
    others: dict[str, int],
) -> None:
    source, tokens = template
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    shutil.copy(source, tmp_path / "pool.db")
    pool = Pool(f"sqlite:///{tmp_path / 'pool.db'}")
    pool.tokens.update(tokens)
    before, audit_before = pool.snapshot(), len(pool.rows("audit_log"))
    if identity == "wrong-token":
        result = pool.run("city-office", *args, token="not-the-token")
        expected = 3
    elif identity == "no-actor":
        result = pool.run(None, *args)
        expected = 3
    else:
        result = pool.run(identity, *args)
        expected = _expected(identity, allowed, others)
    assert result.exit_code == expected, (result.stdout, result.stderr)
    if expected:
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
        assert pool.snapshot() == before
    if name in WRITES:
        audit = pool.rows("audit_log")
        assert len(audit) == audit_before + 1
        outcome = {0: "ok", 1: "invalid", 3: "denied"}[expected]
        assert audit[-1]["outcome"] == outcome
        assert audit[-1]["action"] == name.replace(" ", ".").replace("rules.", "rules.")
    else:
        assert len(pool.rows("audit_log")) == audit_before
    pool.close()
