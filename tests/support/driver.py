"""A test driver for the `pool` command line that also reads what the database holds."""

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import MetaData, select

from pool.bootstrap import Adapters
from pool.cli import main
from pool.store.engine import make_engine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# Tables whose rows a failed command must leave untouched (the audit log records the attempt).
STATE_TABLES = (
    "regions",
    "chains",
    "actors",
    "projects",
    "listings",
    "claims",
    "ruleset_versions",
    "transfers",
)


class Pool:
    """Runs commands as named actors on one database and reads its rows."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.tokens: dict[str, str] = {}
        self.runner = CliRunner()
        self.adapters = Adapters()  # the clock and database the commands run with
        self.engine = make_engine(url)
        self.meta = MetaData()

    def run(self, actor: str | None, *args: str, token: str | None = None) -> Result:
        env = {"POOL_ACTOR": None, "POOL_DATABASE_URL": None, "POOL_TOKEN": None}
        argv = ["--db", self.url]
        if actor is not None:
            argv += ["--as", actor]
            env["POOL_TOKEN"] = token if token is not None else self.tokens.get(actor)
        return self.runner.invoke(main, argv + list(args), env=env, catch_exceptions=False, obj=self.adapters)

    def ok(self, actor: str | None, *args: str) -> Result:
        result = self.run(actor, *args)
        assert result.exit_code == 0, (args, result.output, result.stderr)
        return result

    def json(self, actor: str | None, *args: str) -> Any:
        return json.loads(self.ok(actor, "--format", "json", *args).stdout)

    def init(self, admin: str = "city-office") -> None:
        data = json.loads(self.ok(None, "--format", "json", "init", "--admin", admin).stdout)
        self.tokens[admin] = data["token"]

    def add_actor(self, name: str, role: str, region: str | None = None, by: str = "city-office") -> None:
        args = ["actor", "add", name, "--role", role] + (["--region", region] if region else [])
        self.tokens[name] = self.json(by, *args)["token"]

    def rows(self, table: str, **where: object) -> list[dict[str, Any]]:
        if table not in self.meta.tables:
            self.meta.reflect(self.engine)
        t = self.meta.tables[table]
        stmt = select(t).order_by(*t.primary_key.columns)
        for key, value in where.items():
            stmt = stmt.where(t.c[key] == value)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def one(self, table: str, **where: object) -> dict[str, Any]:
        found = self.rows(table, **where)
        assert len(found) == 1, found
        return found[0]

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        return {t: self.rows(t) for t in STATE_TABLES}

    def last_audit(self) -> dict[str, Any]:
        return self.rows("audit_log")[-1]

    def close(self) -> None:
        self.engine.dispose()


def seeded(url: str) -> Pool:
    """A pool with one actor per role (two counties and more), the test ruleset published,
    a project registered by zhashui and listed, and a claim by shangzhou."""
    pool = Pool(url)
    pool.init()
    pool.add_actor("zhashui-bureau", "county", "zhashui")
    pool.add_actor("shangzhou-bureau", "county", "shangzhou")
    pool.add_actor("danfeng-bureau", "county", "danfeng")
    pool.add_actor("policy-desk", "policy")
    pool.add_actor("audit-bureau", "auditor")
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-1.yaml"))
    pool.ok("policy-desk", "rules", "publish", str(FIXTURES / "pool-test-2.yaml"))
    pool.ok(
        "zhashui-bureau",
        "project",
        "add",
        "ZS-001",
        "--name",
        "无人机整机制造项目",
        "--investor",
        "陕西国飞无人机",
        "--chain",
        "electronics",
        "--kind",
        "manufacturing",
        "--investment",
        "200000000",
        "--capital-source",
        "out_of_city",
    )
    pool.ok(
        "zhashui-bureau", "listing", "open", "ZS-001", "--reason", "园区用地不足", "--need", "land_mu=150"
    )
    pool.ok("shangzhou-bureau", "claim", "submit", "1", "--note", "电子信息产业园有厂房")
    return pool
