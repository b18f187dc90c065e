"""The pool's default ruleset: `pool rules default`, and what `claim approve` pins without
--ruleset (the default; else the only published id; else a refusal naming the ids)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from support.databases import BACKENDS
from support.driver import FIXTURES, STATE_TABLES, Pool

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"

# A pool of another city: no default ruleset named by its preset.
PRESET = """\
regions:
  - {code: jiangmen, name: 江门市, level: city}
  - {code: taishan, name: 台山市, level: county}
  - {code: kaiping, name: 开平市, level: county}
chains:
  - {code: electronics, name: 电子信息}
"""

APPROVE = ("claim", "approve", "1", "--effective", "2024-08", "--agreement", "pre_move_tax_3y=1800000")


def _other_city(pool: Pool, tmp_path: Path) -> None:
    preset = tmp_path / "jiangmen.yaml"
    preset.write_text(PRESET, encoding="utf-8")
    init = ("init", "--regions", str(preset), "--admin", "city-office")
    data = json.loads(pool.ok(None, "--format", "json", *init).stdout)
    pool.tokens["city-office"] = data["token"]
    pool.add_actor("taishan-bureau", "county", "taishan")
    pool.add_actor("kaiping-bureau", "county", "kaiping")
    pool.add_actor("policy-desk", "policy")
    pool.ok(
        "taishan-bureau",
        *("project", "add", "TS-1", "--name", "电池", "--investor", "某公司", "--chain", "electronics"),
        *("--kind", "manufacturing", "--investment", "200000000", "--capital-source", "out_of_city"),
    )
    pool.ok("taishan-bureau", "listing", "open", "TS-1", "--reason", "用地不足")
    pool.ok("kaiping-bureau", "claim", "submit", "1", "--note", "有厂房")


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    p = Pool(db_url)
    yield p
    p.close()


def _state(pool: Pool) -> dict[str, object]:
    return {t: pool.rows(t) for t in (*STATE_TABLES, "default_rulesets")}


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_init_with_the_shangluo_preset_sets_shangluo_default(pool: Pool) -> None:
    pool.init()
    shown = pool.json("city-office", "rules", "default")
    assert shown["default"] == "shangluo-default"
    assert [h["ruleset"] for h in shown["history"]] == ["shangluo-default"]
    assert shown["history"][0]["set_by"] == "city-office"
    assert json.loads(pool.last_audit()["detail"])["default_ruleset"] == "shangluo-default"


def test_approval_without_ruleset_pins_the_shangluo_default(pool: Pool) -> None:
    pool.init()
    pool.add_actor("zhashui-bureau", "county", "zhashui")
    pool.add_actor("shangzhou-bureau", "county", "shangzhou")
    pool.add_actor("policy-desk", "policy")
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-1.yaml"))
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    pool.ok(
        "zhashui-bureau",
        *("project", "add", "ZS-1", "--name", "无人机", "--investor", "国飞", "--chain", "electronics"),
        *("--kind", "manufacturing", "--investment", "200000000", "--capital-source", "out_of_city"),
    )
    pool.ok("zhashui-bureau", "listing", "open", "ZS-1", "--reason", "用地不足")
    pool.ok("shangzhou-bureau", "claim", "submit", "1", "--note", "有厂房")
    t = pool.json("city-office", "claim", "approve", "1", "--effective", "2024-08")
    version = pool.one("ruleset_versions", ruleset="shangluo-default")
    assert pool.one("transfers", id=t["id"])["ruleset_version_id"] == version["id"]


def test_another_city_with_one_published_ruleset_needs_no_ruleset_option(pool: Pool, tmp_path: Path) -> None:
    _other_city(pool, tmp_path)
    assert pool.rows("default_rulesets") == []
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-1.yaml"))
    shown = pool.json("city-office", "rules", "default")
    assert shown["default"] is None and shown["approvals_pin"] == "pool-test"
    t = pool.json("city-office", *APPROVE)
    version = pool.one("ruleset_versions", ruleset="pool-test")
    assert pool.one("transfers", id=t["id"])["ruleset_version_id"] == version["id"]
    assert json.loads(pool.last_audit()["detail"])["ruleset"] == "pool-test"


def test_two_published_ids_and_no_default_refuse_naming_the_ids(pool: Pool, tmp_path: Path) -> None:
    _other_city(pool, tmp_path)
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-1.yaml"))
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "jjj-2015.yaml"))
    before = _state(pool)
    result = pool.run("city-office", *APPROVE)
    assert result.exit_code == 1
    assert (
        "The pool has no default ruleset and 2 are published (jjj-2015, pool-test); name one "
        "with --ruleset, or set the default with `pool rules default ID`." in result.stderr
    )
    assert _state(pool) == before
    assert pool.last_audit()["outcome"] == "invalid"


def test_no_published_ruleset_refuses_approval(pool: Pool, tmp_path: Path) -> None:
    _other_city(pool, tmp_path)
    before = _state(pool)
    result = pool.run("city-office", *APPROVE)
    assert result.exit_code == 1
    assert "No ruleset is published, so an approval has none to pin" in result.stderr
    assert _state(pool) == before


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_setting_the_default_is_audited_and_kept_with_its_history(pool: Pool, tmp_path: Path) -> None:
    _other_city(pool, tmp_path)
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-1.yaml"))
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "jjj-2015.yaml"))
    out = pool.ok("policy-desk", "rules", "default", "jjj-2015").stdout
    assert out.strip() == "The pool's default ruleset is now jjj-2015."
    audit = pool.last_audit()
    assert (audit["action"], audit["actor"], audit["target"], audit["outcome"]) == (
        "rules.default",
        "policy-desk",
        "ruleset:jjj-2015",
        "ok",
    )
    out = pool.ok("city-office", "rules", "default", "pool-test").stdout
    assert out.strip() == "The pool's default ruleset is now pool-test (was jjj-2015)."
    again = pool.ok("city-office", "rules", "default", "pool-test").stdout
    assert "already the pool's default ruleset; nothing changed" in again
    rows = pool.rows("default_rulesets")
    assert [r["ruleset"] for r in rows] == ["jjj-2015", "pool-test"]
    shown = pool.json("policy-desk", "rules", "default")
    assert shown["default"] == "pool-test"
    assert [(h["ruleset"], h["set_by"]) for h in shown["history"]] == [
        ("jjj-2015", "policy-desk"),
        ("pool-test", "city-office"),
    ]
    t = pool.json("city-office", *APPROVE)
    version = pool.one("ruleset_versions", ruleset="pool-test")
    assert pool.one("transfers", id=t["id"])["ruleset_version_id"] == version["id"]


def test_default_must_be_a_published_id(pool: Pool, tmp_path: Path) -> None:
    _other_city(pool, tmp_path)
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-1.yaml"))
    before = _state(pool)
    result = pool.run("policy-desk", "rules", "default", "shangluo-default")
    assert result.exit_code == 1
    assert (
        "No version of ruleset 'shangluo-default' is published, so it cannot be the default; "
        "published: pool-test." in result.stderr
    )
    assert _state(pool) == before
    assert pool.last_audit()["action"] == "rules.default"
    assert pool.last_audit()["outcome"] == "invalid"


def test_a_county_cannot_set_the_default(pool: Pool, tmp_path: Path) -> None:
    _other_city(pool, tmp_path)
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-1.yaml"))
    before = _state(pool)
    result = pool.run("taishan-bureau", "rules", "default", "pool-test")
    assert result.exit_code == 3
    assert "may not set the default ruleset; only policy or city actors may" in result.stderr
    assert _state(pool) == before
    assert pool.last_audit()["outcome"] == "denied"


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(
    "statement", ["UPDATE default_rulesets SET ruleset = 'x'", "DELETE FROM default_rulesets"]
)
def test_the_history_of_defaults_is_append_only(pool: Pool, statement: str) -> None:
    pool.init()
    with pytest.raises(Exception, match="append-only|pool_refuse_change|refused"):
        with pool.engine.begin() as conn:
            conn.execute(text(statement))
    assert [r["ruleset"] for r in pool.rows("default_rulesets")] == ["shangluo-default"]
