"""Units across the pool: a metric keeps the unit the first published version gave it, and a share
of one name and book keeps the unit of the accounts it posts into. Publishing a version that
changes either is refused, stores nothing and is audited as invalid; two such publications at
once cannot both get through."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.databases import BACKENDS
from support.driver import Pool
from support.ledger import counts, fresh_pool, import_actuals, move

from pool.bootstrap import bootstrap
from pool.config import Settings
from pool.domain.errors import PoolError
from pool.rules.loader import RuleFileError
from pool.services import rulesets

pytestmark = pytest.mark.parametrize("backend", BACKENDS)

# The standard pool has published shangluo-default 2024.1 first (fdi in USD, and its share fdi
# in the statistics book posting USD), then chuanzhe and kunming-2024.
OTHER = """\
ruleset: other
version: "1"
title: 另一规则
effective_from: 2024-07
metrics:
  {metric}: {{unit: {unit}, label: 外资}}
shares:
  - name: {share}
    book: {book}
    base: {metric}
    mode: origin
"""


@pytest.fixture
def pool(backend: str, tmp_path: Path, sqlite_template: Path, pg_schemas: Any) -> Iterator[Pool]:
    p, drop = fresh_pool(backend, tmp_path / "pool", sqlite_template, pg_schemas)
    yield p
    drop()


def draft(tmp_path: Path, name: str = "other.yaml", **values: str) -> Path:
    fields = {"metric": "fdi", "unit": "USD", "share": "foreign", "book": "statistics", **values}
    path = tmp_path / name
    path.write_text(OTHER.format(**fields), encoding="utf-8")
    return path


def line_of(path: Path, marker: str) -> int:
    return next(i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if marker in line)


def refused(pool: Pool, path: Path) -> str:
    before = counts(pool, ("ruleset_versions",))
    result = pool.run("policy-desk", "rules", "publish", str(path))
    assert result.exit_code == 1, result.output
    assert counts(pool, ("ruleset_versions",)) == before
    audit = pool.last_audit()
    assert (audit["action"], audit["outcome"]) == ("rules.publish", "invalid")
    return result.stderr


def test_a_metric_in_another_unit_is_refused(pool: Pool, tmp_path: Path) -> None:
    path = draft(tmp_path, unit="CNY")
    stderr = refused(pool, path)
    assert (
        f"{path}:{line_of(path, 'fdi: {unit: CNY')}: metrics.fdi.unit: metric 'fdi' is in CNY here, but "
        "published ruleset shangluo-default 2024.1 has it in USD; a metric keeps one unit across the "
        "pool, so write unit: USD or name the metric differently"
    ) in stderr
    pool.ok("policy-desk", "rules", "publish", str(draft(tmp_path, "same.yaml", unit="USD")))


def test_a_metric_left_at_the_default_unit_is_compared_too(pool: Pool, tmp_path: Path) -> None:
    path = tmp_path / "default.yaml"
    path.write_text(
        OTHER.format(metric="fdi", unit="CNY", share="foreign", book="statistics").replace(
            "{unit: CNY, label: 外资}", "{label: 外资}"
        ),
        encoding="utf-8",
    )
    assert "metric 'fdi' is in CNY here" in refused(pool, path)


def test_a_share_posting_another_unit_into_its_accounts_is_refused(pool: Pool, tmp_path: Path) -> None:
    # fdi_cny is a new metric, so only the share conflicts: statistics:REGION:fdi holds USD.
    path = draft(tmp_path, metric="fdi_cny", unit="CNY", share="fdi")
    stderr = refused(pool, path)
    assert (
        f"{path}:{line_of(path, 'base: fdi_cny')}: shares[0].base: share 'fdi' of the statistics book "
        "would post in CNY, but published ruleset shangluo-default 2024.1 posts it in USD; a share of "
        "one name and book posts into the same accounts, so keep its unit or name the share differently"
    ) in stderr
    assert "metrics." not in stderr
    # The same name in another book posts into other accounts.
    pool.ok(
        "policy-desk",
        "rules",
        "publish",
        str(draft(tmp_path, "fiscal.yaml", metric="fdi_cny", unit="CNY", share="fdi", book="fiscal")),
    )


def test_two_publications_in_different_units_at_once_publish_one(pool: Pool, tmp_path: Path) -> None:
    paths = [
        draft(tmp_path, "usd.yaml", metric="rd_spend", unit="USD", share="rd"),
        draft(tmp_path, "cny.yaml", metric="rd_spend", unit="CNY", share="rd"),
    ]
    paths[1].write_text(paths[1].read_text("utf-8").replace("ruleset: other", "ruleset: another"), "utf-8")
    pool.add_actor("policy-two", "policy")
    rts = [bootstrap(Settings(pool.url, a, pool.tokens[a])) for a in ("policy-desk", "policy-two")]
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def publish(i: int) -> None:
        barrier.wait()
        try:
            results[i] = rulesets.publish(rts[i], str(paths[i]))
        except PoolError as exc:
            results[i] = exc

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for rt in rts:
        rt.close()
    published = [r for r in results if isinstance(r, dict)]
    errors = [r for r in results if isinstance(r, RuleFileError)]
    assert len(published) == 1 and len(errors) == 1, results
    assert "metric 'rd_spend' is in" in str(errors[0])
    assert len([v for v in pool.rows("ruleset_versions") if v["ruleset"] in ("other", "another")]) == 1


def test_a_share_name_in_two_books_keeps_each_books_unit(pool: Pool, tmp_path: Path) -> None:
    """shangluo-default's share tax posts CNY in the fiscal book; another ruleset's share tax in
    the statistics book posts USD. One project under both: each book's accounts hold their own."""
    path = draft(tmp_path, share="tax")  # base fdi, in USD
    pool.ok("policy-desk", "rules", "publish", str(path))
    # DF-002 moved danfeng -> zhashui in 2024-09 under shangluo-default; now on to shangzhou.
    move(pool, "DF-002", "zhashui", "shangzhou", "2024-12", "other", ())
    rows = [("DF-002", "2024-10", "tax_local", "1000.00"), ("DF-002", "2024-12", "fdi", "100.00")]
    import_actuals(pool, tmp_path / "a.csv", rows)
    pool.ok("city-office", "settle", "2024-12")
    units = {(r["book"], r["unit"]) for r in pool.rows("ledger_accounts", share="tax")}
    assert units == {("fiscal", "CNY"), ("statistics", "USD")}
