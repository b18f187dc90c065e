"""Codes and names a rule file carries into the ledger's columns: a ruleset with every one at its
column's length publishes and settles on SQLite and PostgreSQL alike; one character more is
refused by `pool rules check` and by `pool rules publish`, on both, before anything is stored."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import assert_verified, counts, fresh_pool, import_actuals, move

from pool.cli import main
from pool.store.ledger_tables import Actual, LedgerAccount
from pool.store.models import RulesetVersion


def length(column: Any) -> int:
    return int(column.property.columns[0].type.length)


# The columns each code or name is stored in; the lengths come from the table definitions.
UNIT = length(LedgerAccount.unit)
SHARE = length(LedgerAccount.share)
METRIC = length(Actual.metric)
RULESET = length(RulesetVersion.ruleset)
VERSION = length(RulesetVersion.version)
CITY = length(LedgerAccount.region)


def values(**longer: int) -> dict[str, str]:
    """Every code and name at its column's length, those named in `longer` that much longer."""
    n = {
        k: v + longer.get(k, 0)
        for k, v in {
            "unit": UNIT,
            "share": SHARE,
            "metric": METRIC,
            "ruleset": RULESET,
            "version": VERSION,
            "city": CITY,
        }.items()
    }
    return {
        "unit": "K" * (n["unit"] - 3) + "USD",
        "share": "s" * n["share"],
        "metric": "m" * n["metric"],
        "ruleset": "limits-" + "r" * (n["ruleset"] - 7),
        "version": "1." + "0" * (n["version"] - 2),
        "city": "c" * n["city"],
    }


def rules(v: dict[str, str]) -> str:
    return (
        f"ruleset: {v['ruleset']}\n"
        f'version: "{v["version"]}"\n'
        "title: 列宽 limits\n"
        "effective_from: 2024-07\n"
        f"city: {v['city']}\n"
        "metrics:\n"
        f"  {v['metric']}: {{unit: {v['unit']}, label: 长名称}}\n"
        "shares:\n"
        f"  - name: {v['share']}\n"
        "    book: fiscal\n"
        f"    base: {v['metric']}\n"
        "    mode: split\n"
        "    schedule:\n"
        "      - {years: 1+, origin: 50%, city: 10%}\n"
    )


@pytest.fixture(params=BACKENDS)
def pool(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> Iterator[Pool]:
    p, drop = fresh_pool(request.param, tmp_path / "pool", sqlite_template, pg_schemas)
    yield p
    drop()


def test_a_ruleset_at_every_column_length_publishes_and_settles(pool: Pool, tmp_path: Path) -> None:
    v = values()
    path = tmp_path / "limits.yaml"
    path.write_text(rules(v), encoding="utf-8")
    pool.ok("policy-desk", "rules", "publish", str(path))
    # DF-002 came from danfeng (its first origin) to zhashui; it moves on to shangzhou.
    move(pool, "DF-002", "zhashui", "shangzhou", "2024-12", v["ruleset"], ())
    import_actuals(pool, tmp_path / "a.csv", [("DF-002", "2024-12", v["metric"], "1000.00")])
    pool.ok("city-office", "settle", "2024-12")
    accounts = {
        r["region"]: (r["unit"], r["balance"]) for r in pool.rows("ledger_accounts", share=v["share"])
    }
    assert accounts == {
        "danfeng": (v["unit"], 50000),
        "shangzhou": (v["unit"], 40000),
        v["city"]: (v["unit"], 10000),
        "@source": (v["unit"], -100000),
    }
    assert_verified(pool)


FIELDS = {  # what is one character too long -> (the line it is on, the key, the words)
    "unit": ("unit:", "metrics.", f"a unit is at most {UNIT} characters, such as CNY or USD"),
    "share": ("- name:", "shares[0].name", f"a share name is at most {SHARE} characters"),
    "metric": ("{unit:", "metrics.", f"a metric name is at most {METRIC} characters"),
    "ruleset": ("ruleset:", "ruleset", f"a ruleset id is at most {RULESET} characters"),
    "version": ("version:", "version", f"write up to {VERSION} letters"),
    "city": ("city:", "city", f"a region code is at most {CITY} characters"),
}


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_one_character_past_a_column_is_refused_by_check_and_publish(
    field: str, pool: Pool, tmp_path: Path
) -> None:
    path = tmp_path / "too-long.yaml"
    path.write_text(rules(values(**{field: 1})), encoding="utf-8")
    marker, key, words = FIELDS[field]
    line = next(i for i, text in enumerate(path.read_text("utf-8").splitlines(), 1) if marker in text)

    checked = CliRunner().invoke(main, ["rules", "check", str(path)])
    assert checked.exit_code == 1, checked.output
    problems = [p for p in checked.output.splitlines() if p.startswith(f"{path}:")]
    assert len(problems) == 1, checked.output
    assert problems[0].startswith(f"{path}:{line}: {key}"), problems[0]
    assert words in problems[0], problems[0]

    before = counts(pool)
    published = pool.run("policy-desk", "rules", "publish", str(path))
    assert published.exit_code == 1, published.output
    assert f"{path}:{line}: {key}" in published.stderr and words in published.stderr
    assert counts(pool) == before
    assert pool.last_audit()["outcome"] == "invalid"
