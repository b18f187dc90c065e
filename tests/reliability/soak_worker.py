"""One worker of the concurrency soak: random workflow and settlement commands through the real
command line (click's runner, in this process) against one database until a deadline.

Usage: python soak_worker.py URL TOKENS_JSON SEED SECONDS OUT_JSON
Writes a JSON list of [actor, argv, exit code, stderr] to OUT_JSON.
"""

import csv
import json
import random
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pool.cli import main  # noqa: E402

COUNTIES = ("zhashui", "shangzhou", "danfeng", "luonan")
MONTHS = [f"2024-{m:02d}" for m in range(7, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]
METRICS = ("tax_local", "funds_domestic", "fdi", "fai")


def main_loop(url: str, tokens: dict[str, str], seed: int, seconds: float, out: Path) -> None:
    rng = random.Random(seed)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    runner = CliRunner()
    log: list[list[object]] = []
    deadline = time.monotonic() + seconds
    n = 0

    def rows(sql: str) -> list:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)))

    def run(actor: str, *args: str) -> None:
        env = {"POOL_DATABASE_URL": url, "POOL_ACTOR": actor, "POOL_TOKEN": tokens[actor], "POOL_DEBUG": None}
        result = runner.invoke(main, list(args), env=env, catch_exceptions=True)
        err = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            err += f"\nTraceback: {type(result.exception).__name__}: {result.exception}"
        log.append([actor, list(args), result.exit_code, err])

    while time.monotonic() < deadline:
        n += 1
        county = rng.choice(COUNTIES)
        me = f"{county}-bureau"
        what = rng.choice(
            [
                "add",
                "list",
                "claim",
                "claim",
                "withdraw_claim",
                "withdraw_listing",
                "approve",
                "approve",
                "reject",
                "import",
                "settle",
                "close",
                "read",
            ]
        )
        if what == "add":
            # Leads collide on purpose across workers (the same investor and name).
            k = rng.randrange(40)
            run(
                me,
                "project",
                "add",
                f"S{seed}-{n}",
                "--name",
                f"竞争项目{k}",
                "--investor",
                f"投资方{k}",
                "--chain",
                "new_materials",
                "--kind",
                "manufacturing",
                "--investment",
                "300000000",
                "--capital-source",
                "out_of_city",
            )
        elif what == "list":
            found = rows("SELECT code, host FROM projects WHERE stage <> 'terminated'")
            if found:
                code, host = rng.choice(found)
                run(f"{host}-bureau", "listing", "open", code, "--reason", "用地不足")
        elif what in ("claim", "withdraw_listing"):
            found = rows("SELECT id, region FROM listings WHERE status = 'open'")
            if found:
                lid, region = rng.choice(found)
                if what == "claim":
                    other = rng.choice([c for c in COUNTIES if c != region])
                    run(f"{other}-bureau", "claim", "submit", str(lid), "--note", "有厂房")
                else:
                    run(rng.choice([f"{region}-bureau", "city-office"]), "listing", "withdraw", str(lid))
        elif what in ("withdraw_claim", "approve", "reject"):
            found = rows("SELECT id, claimant FROM claims WHERE status = 'pending'")
            if found:
                cid, claimant = rng.choice(found)
                if what == "withdraw_claim":
                    run(f"{claimant}-bureau", "claim", "withdraw", str(cid))
                elif what == "approve":
                    run(
                        "city-office",
                        "claim",
                        "approve",
                        str(cid),
                        "--effective",
                        rng.choice(["2024-09", "2024-11", "2025-01"]),
                        "--agreement",
                        f"origin_tax_share={rng.choice(['30%', '40%', '1/3'])}",
                    )
                else:
                    run("city-office", "claim", "reject", str(cid), "--reason", "条件不符")
        elif what == "import":
            codes = [r[0] for r in rows("SELECT code FROM projects")]
            path = out.with_name(f"{out.stem}-{n}.csv")
            with open(path, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["project", "period", "metric", "amount"])
                keys = {
                    (rng.choice(codes), rng.choice(MONTHS), rng.choice(METRICS))
                    for _ in range(rng.randrange(1, 30))
                }
                for key in keys:
                    w.writerow([*key, f"{rng.randrange(10**8)}.{rng.randrange(100):02d}"])
            args = ["actuals", "import", str(path)]
            if rng.random() < 0.5:
                args += ["--restate", "--reason", "更正"]
            run("city-office", *args)
        elif what == "settle":
            run("city-office", "settle", rng.choice(MONTHS[:8]))
        elif what == "close":
            run("city-office", "period", "close", rng.choice(MONTHS[:4]))
        else:
            run(rng.choice(["audit-bureau", me]), "report", "balances")
    engine.dispose()
    out.write_text(json.dumps(log, ensure_ascii=False))


if __name__ == "__main__":
    url_arg, tokens_arg, seed_arg, seconds_arg, out_arg = sys.argv[1:6]
    main_loop(url_arg, json.loads(tokens_arg), int(seed_arg), float(seconds_arg), Path(out_arg))
