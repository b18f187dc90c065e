"""End to end, by hand: four transfers under three library rulesets
(shangluo-default, chuanzhe, kunming-2024, one of them a chain), actuals imported with
`pool actuals import`, settled month by month with a restatement in between. The final
`pool report balances` equals numbers computed by hand below — never by running the engine —
and a second database fed the final actuals and settled once agrees to the fen.

The pool (regions of the shangluo preset; the city region is shangluo):

  T1  SL-A  zhashui -> shangzhou  2024-08  shangluo-default  origin_tax_share=1/3
  T2  CZ-B  shangzhou -> danfeng  2024-08  chuanzhe          (floor default; never judged:
                                                              its first year ends 2025-07)
  T3  KM-C  luonan -> danfeng     2024-08  kunming-2024      origin_share=30%
  T4  KM-C  danfeng -> zhashui    2024-10  kunming-2024      origin_share=50%

T3 covers KM-C's 2024-08..2024-09 and T4 2024-10 on. kunming-2024 is all_origins: T3's origin is
luonan; T4's are luonan and danfeng (chain order), sharing the origin half equally.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import LIBRARY, assert_verified, counts, move, new_database, write_csv

pytestmark = pytest.mark.parametrize("backend", BACKENDS)

# (code, the county that registers it: its origin)
PROJECTS = (("SL-A", "zhashui"), ("CZ-B", "shangzhou"), ("KM-C", "luonan"))
MOVES = (
    ("SL-A", "zhashui", "shangzhou", "2024-08", "shangluo-default", ("origin_tax_share=1/3",)),
    ("CZ-B", "shangzhou", "danfeng", "2024-08", "chuanzhe", ()),
    ("KM-C", "luonan", "danfeng", "2024-08", "kunming-2024", ("origin_share=30%",)),
    ("KM-C", "danfeng", "zhashui", "2024-10", "kunming-2024", ("origin_share=50%",)),
)

# What is reported, month by month (yuan).
JULY_AUGUST = [
    ("SL-A", "2024-07", "tax_local", "999.99"),  # before the transfer: not in the ledger
    ("SL-A", "2024-08", "tax_local", "0.00"),  # a zero: the tax term has not started
    ("SL-A", "2024-08", "funds_domestic", "10.01"),
    ("CZ-B", "2024-08", "vat_local", "33.33"),
    ("CZ-B", "2024-08", "cit_local", "0.02"),
    ("KM-C", "2024-08", "tax_county", "10"),
    ("KM-C", "2024-08", "incentives", "2.00"),
]
SEPTEMBER = [
    ("SL-A", "2024-09", "tax_local", "100.01"),
    ("SL-A", "2024-09", "fai", "7.77"),
    ("CZ-B", "2024-09", "vat_local", "11.11"),
    ("CZ-B", "2024-09", "value_added", "0.03"),
    ("KM-C", "2024-09", "tax_county", "0.07"),
    ("KM-C", "2024-09", "fai", "1.00"),
    ("KM-C", "2024-09", "fdi", "0.05"),
]
# After settling 2024-09: the tax bureau corrects two August values.
RESTATED = [
    ("SL-A", "2024-08", "tax_local", "0.04"),  # was 0.00: SL-A's tax term now starts 2024-08
    ("KM-C", "2024-08", "incentives", "10.10"),  # was 2.00: T3's net tax base goes negative
]
OCTOBER = [
    ("SL-A", "2024-10", "tax_local", "50.00"),
    ("SL-A", "2024-10", "funds_domestic", "3.34"),
    ("CZ-B", "2024-10", "cit_local", "0"),
    ("KM-C", "2024-10", "tax_county", "1.03"),
    ("KM-C", "2024-10", "incentives", "0.00"),
    ("KM-C", "2024-10", "output", "0.01"),
    ("KM-C", "2024-10", "funds_out_of_province", "0.03"),
]

# The balances after settling through 2024-10, by hand, in fen. Largest remainder: each party
# gets the floor of its exact share; leftover fen go to the largest remainders, ties to the host,
# then the origins in chain order, then the city.
#
# fiscal / tax
#   T1 (shangluo-default tax: split, origin 1/3, 5 years from the first non-zero tax_local in a
#      covered month). 2024-07 is not covered; the restated 0.04 in 2024-08 starts year 1
#      (2024-08..2025-07). C = 4 + 10001 + 5000 = 15005.
#      origin zhashui 15005/3 = 5001.667 -> 5001 (.667); host shangzhou 30010/3 = 10003.333
#      -> 10003 (.333); one fen left -> the larger remainder, zhashui: 5002 / 10003.
#   T2 (chuanzhe tax: split 60% origin, base vat_local + cit_local, years from 2024-08).
#      C = 3333 + 2 + 1111 + 0 = 4446; origin shangzhou 2667.6 -> 2667 (.6), host danfeng
#      1778.4 -> 1778 (.4); the fen left goes to shangzhou: 2668 / 1778.
#   T3 (kunming tax: tax_county - incentives, 2024-08..2024-09). C = (1000 + 7) - 1010 = -3:
#      a negative year shares nothing and the -3 stays with the host danfeng; luonan 0.
#   T4 (2024-10): C = 103 - 0 = 103; host zhashui 1/2 = 51.5 -> 51 (.5); origins luonan and
#      danfeng 1/4 each = 25.75 -> 25 (.75) each; two fen left -> the two largest remainders,
#      luonan and danfeng (.75 > .5): zhashui 51, luonan 26, danfeng 26.
#   zhashui 5002 + 51 = 5053; shangzhou 10003 + 2668 = 12671; danfeng 1778 - 3 + 26 = 1801;
#   luonan 0 + 26 = 26.  Check: 15005 + 4446 - 3 + 103 = 19551 = 5053 + 12671 + 1801 + 26.
# statistics
#   T1 funds (mode origin, funds_domestic): zhashui 1001 + 334 = 1335.
#   T1 fai (dual): shangzhou 777 and zhashui 777.
#   T2 value_added (split 60%): C = 3; shangzhou 1.8 -> 1 (.8), danfeng 1.2 -> 1 (.2); the fen
#      left -> shangzhou: 2 / 1.
#   T3 fai (dual, 2024-09): danfeng 100, luonan 100.  T3 fdi (origin, USD): luonan 5.
#   T4 output (dual): zhashui 1, luonan 1, danfeng 1.
#   T4 funds_out_of_province (origin, two origins): 3 / 2 = 1.5 each -> 1 (.5) each; the fen
#      left is a tie between the origins -> chain order, luonan: luonan 2, danfeng 1.
#   fai accounts hold both rulesets' fai shares (same share name): shangzhou 777, zhashui 777,
#   danfeng 100, luonan 100.
# assessment / credit
#   T1 credit (split 50%, funds_domestic, year 1 = 2024-08..2025-07): C = 1001 + 334 = 1335;
#      667.5 each -> 667 (.5) each; the fen left is a tie -> the host shangzhou: 668 / 667.
EXPECTED = {
    ("fiscal", "zhashui", "tax", "CNY"): "50.53",
    ("fiscal", "shangzhou", "tax", "CNY"): "126.71",
    ("fiscal", "danfeng", "tax", "CNY"): "18.01",
    ("fiscal", "luonan", "tax", "CNY"): "0.26",
    ("statistics", "zhashui", "funds", "CNY"): "13.35",
    ("statistics", "zhashui", "fai", "CNY"): "7.77",
    ("statistics", "shangzhou", "fai", "CNY"): "7.77",
    ("statistics", "danfeng", "fai", "CNY"): "1.00",
    ("statistics", "luonan", "fai", "CNY"): "1.00",
    ("statistics", "shangzhou", "value_added", "CNY"): "0.02",
    ("statistics", "danfeng", "value_added", "CNY"): "0.01",
    ("statistics", "luonan", "fdi", "USD"): "0.05",
    ("statistics", "zhashui", "output", "CNY"): "0.01",
    ("statistics", "luonan", "output", "CNY"): "0.01",
    ("statistics", "danfeng", "output", "CNY"): "0.01",
    ("statistics", "luonan", "funds_out_of_province", "CNY"): "0.02",
    ("statistics", "danfeng", "funds_out_of_province", "CNY"): "0.01",
    ("assessment", "shangzhou", "credit", "CNY"): "6.68",
    ("assessment", "zhashui", "credit", "CNY"): "6.67",
}

# After settling 2024-08 only (by hand, fen):
#   T1 tax: nothing (2024-08 tax_local is 0.00: the term has not started).
#   T1 funds: zhashui 1001.  T1 credit: C = 1001 -> 500.5 each, tie -> host: shangzhou 501,
#      zhashui 500.
#   T2 tax: C = 3333 + 2 = 3335; shangzhou 60% = 2001 exactly, danfeng 1334.
#   T3 tax: C = 1000 - 200 = 800; luonan 30% = 240, danfeng 560.
AFTER_AUGUST = {
    ("fiscal", "shangzhou", "tax", "CNY"): "20.01",
    ("fiscal", "danfeng", "tax", "CNY"): "18.94",  # 1334 + 560
    ("fiscal", "luonan", "tax", "CNY"): "2.40",
    ("statistics", "zhashui", "funds", "CNY"): "10.01",
    ("assessment", "shangzhou", "credit", "CNY"): "5.01",
    ("assessment", "zhashui", "credit", "CNY"): "5.00",
}

# After settling 2024-09, before the restatement (fen):
#   T1 tax: year 1 starts 2024-09 (first non-zero); C = 10001; zhashui 3333.667 -> 3333 (.667),
#      shangzhou 6667.333 -> 6667 (.333); the fen left -> zhashui: 3334 / 6667.
#   T2 tax: C = 3335 + 1111 = 4446 -> shangzhou 2668, danfeng 1778 (as in the final case).
#   T3 tax: C = 800 + 7 = 807; luonan 242.1 -> 242 (.1), danfeng 564.9 -> 564 (.9); the fen
#      left -> danfeng: 242 / 565.
#   fiscal: zhashui 3334; shangzhou 6667 + 2668 = 9335; danfeng 1778 + 565 = 2343; luonan 242.
AFTER_SEPTEMBER_FISCAL = {
    ("fiscal", "zhashui", "tax", "CNY"): "33.34",
    ("fiscal", "shangzhou", "tax", "CNY"): "93.35",
    ("fiscal", "danfeng", "tax", "CNY"): "23.43",
    ("fiscal", "luonan", "tax", "CNY"): "2.42",
}


def build(url: str) -> Pool:
    """The pool above, set up through the command line."""
    pool = Pool(url)
    pool.init()
    for county in ("zhashui", "shangzhou", "danfeng", "luonan"):
        pool.add_actor(f"{county}-bureau", "county", county)
    pool.add_actor("policy-desk", "policy")
    pool.add_actor("audit-bureau", "auditor")
    for ruleset in ("shangluo-default", "chuanzhe", "kunming-2024"):
        pool.ok("policy-desk", "rules", "publish", str(LIBRARY / f"{ruleset}.yaml"))
    for code, county in PROJECTS:
        pool.ok(
            f"{county}-bureau",
            "project",
            "add",
            code,
            "--name",
            f"{code} 项目",
            "--investor",
            f"{code} 投资方",
            "--chain",
            "new_materials",
            "--kind",
            "manufacturing",
            "--investment",
            "300000000",
            "--capital-source",
            "out_of_city",
        )
    for code, host, to, effective, ruleset, agreement in MOVES:
        transfer = move(pool, code, host, to, effective, ruleset, agreement)
        assert (transfer["from"], transfer["to"], transfer["ruleset"]) == (host, to, ruleset)
    return pool


def report(pool: Pool) -> dict[tuple[str, str, str, str], str]:
    rows = pool.json("audit-bureau", "report", "balances")
    assert all(set(r) == {"book", "region", "share", "unit", "amount"} for r in rows)
    found = {(r["book"], r["region"], r["share"], r["unit"]): r["amount"] for r in rows}
    assert len(found) == len(rows)
    return found


def nonzero(balances: dict[Any, str]) -> dict[Any, str]:
    return {k: v for k, v in balances.items() if v != "0.00"}


def import_file(pool: Pool, path: Path, rows: list[tuple[str, str, str, str]], *extra: str) -> Any:
    return pool.ok("city-office", "actuals", "import", str(write_csv(path, rows)), *extra)


@pytest.fixture
def databases(
    backend: str, tmp_path: Path, sqlite_template: Path, pg_schemas: Any
) -> Iterator[tuple[Pool, Pool]]:
    made = [
        new_database(backend, tmp_path / name, sqlite_template, pg_schemas) for name in ("monthly", "once")
    ]
    pools = [build(url) for url, _drop in made]
    yield pools[0], pools[1]
    for pool, (_url, drop) in zip(pools, made, strict=True):
        pool.close()
        drop()


def test_month_by_month_with_a_restatement_ends_in_the_hand_computed_balances(
    databases: tuple[Pool, Pool], tmp_path: Path
) -> None:
    monthly, once = databases

    import_file(monthly, tmp_path / "2024-08.csv", JULY_AUGUST)
    monthly.ok("city-office", "settle", "2024-08")
    assert nonzero(report(monthly)) == AFTER_AUGUST

    import_file(monthly, tmp_path / "2024-09.csv", SEPTEMBER)
    monthly.ok("city-office", "settle", "2024-09")
    fiscal = {k: v for k, v in nonzero(report(monthly)).items() if k[0] == "fiscal"}
    assert fiscal == AFTER_SEPTEMBER_FISCAL

    # A restatement without --restate is refused; with it, it waits for the next settlement.
    before = counts(monthly)
    path = write_csv(tmp_path / "fix.csv", RESTATED)
    refused = monthly.run("city-office", "actuals", "import", str(path))
    assert refused.exit_code == 1 and "--restate" in refused.stderr
    assert counts(monthly) == before
    settled_balances = report(monthly)
    import_file(monthly, tmp_path / "fix.csv", RESTATED, "--restate", "--reason", "税务局更正申报")
    assert report(monthly) == settled_balances

    import_file(monthly, tmp_path / "2024-10.csv", OCTOBER)
    monthly.ok("city-office", "settle", "2024-10")
    final = report(monthly)
    assert nonzero(final) == EXPECTED
    assert_verified(monthly)

    # The second database: the final actuals in one file, settled once through 2024-10.
    restated = {r[:3]: r for r in RESTATED}
    everything = [restated.get(r[:3], r) for r in JULY_AUGUST + SEPTEMBER + OCTOBER]
    import_file(once, tmp_path / "all.csv", list(reversed(everything)))
    once.ok("city-office", "settle", "2024-10")
    settled_once = report(once)
    assert nonzero(settled_once) == EXPECTED
    # Identical to the fen; the monthly runs may only have left extra accounts at zero.
    assert nonzero(settled_once) == nonzero(final) and set(settled_once) <= set(final)
    assert_verified(once)

    # Re-running the last settlement posts nothing.
    entries = counts(monthly, ("ledger_entries",))
    again = monthly.ok("city-office", "settle", "2024-10")
    assert "nothing new to post" in again.stdout
    assert counts(monthly, ("ledger_entries",)) == entries
    assert report(monthly) == final

    # Settling backwards is refused and changes nothing.
    before = counts(monthly)
    backwards = monthly.run("city-office", "settle", "2024-09")
    assert backwards.exit_code == 1
    assert "2024-09 is before 2024-10, the last settled period" in backwards.stderr
    assert counts(monthly) == before
    assert report(monthly) == final
