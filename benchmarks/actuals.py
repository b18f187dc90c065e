"""How fast, and in how much memory, `pool actuals import` takes a large CSV file.

Run: python -m benchmarks.actuals [--rows 1000000] [--projects 3000] [--db URL] [--dir DIR]

Builds a fresh pool (SQLite in DIR unless --db names an empty database), publishes the
shangluo-default ruleset, registers the projects, writes a CSV of `rows` rows (four metrics a
month per project), imports it through the service, then imports it again (a no-op) and restates
it. Prints the figures, last line JSON. Peak memory is the process's maximum resident set size;
the CPU time is the process's own, a fairer figure on a busy machine than the wall clock.
"""

import argparse
import json
import tempfile
import time
from datetime import datetime
from pathlib import Path

from benchmarks.memory import peak_rss_mb
from pool.bootstrap import bootstrap
from pool.config import Settings
from pool.services import actors, actuals, rulesets, setup
from pool.store.models import Project

LIBRARY = Path(__file__).resolve().parents[1] / "pool" / "rules" / "library"
METRICS = ("tax_local", "funds_domestic", "fdi", "fai")


def write_file(path: Path, rows: int, projects: int, bump: int = 0) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("project,period,metric,amount,note\n")
        n = 0
        months = -(-rows // (projects * len(METRICS)))
        for p in range(projects):
            for m in range(months):
                year, month = divmod(2000 * 12 + m, 12)
                for metric in METRICS:
                    if n == rows:
                        return
                    f.write(
                        f"B{p:05d},{year}-{month + 1:02d},{metric},"
                        f"{(n * 7919) % 10_000_000 + bump}.{n % 100:02d},\n"
                    )
                    n += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=3000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="pool-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.db or f"sqlite:///{workdir / 'bench.db'}"

    boot = bootstrap(Settings(database_url=url, actor=None, token=None))
    admin = setup.init(boot, regions="shangluo", admin="bench-city")
    boot.close()
    rt = bootstrap(Settings(database_url=url, actor="bench-city", token=admin.token))
    policy = actors.add(rt, name="bench-policy", role="policy", region=None)
    rulesets.publish(
        bootstrap(Settings(database_url=url, actor="bench-policy", token=str(policy["token"]))),
        str(LIBRARY / "shangluo-default.yaml"),
    )
    with rt.uow(write=True) as uow:
        actor = uow.actors.by_name("bench-city")
        assert actor is not None
        for p in range(args.projects):
            code = f"B{p:05d}"
            uow.session.add(
                Project(
                    code=code,
                    name=code,
                    investor="bench",
                    lead_investor="bench",
                    lead_name=code,
                    chain="electronics",
                    kind="manufacturing",
                    planned_investment=0,
                    capital_source="local",
                    origin="zhashui",
                    host="zhashui",
                    stage="planned",
                    registered_by=actor.id,
                    registered_at=datetime(2024, 1, 1),
                )
            )
        uow.commit()

    first, again = workdir / "actuals.csv", workdir / "restated.csv"
    write_file(first, args.rows, args.projects)
    write_file(again, args.rows, args.projects, bump=1)
    size = first.stat().st_size
    timings = {}
    for label, path, restate in (("import", first, False), ("no-op", first, False), ("restate", again, True)):
        start, cpu = time.perf_counter(), time.process_time()
        result = actuals.import_file(rt, str(path), restate=restate, reason="bench" if restate else None)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        timings[label] = seconds
        print(
            f"{label:8} {args.rows:,} rows ({size / 1e6:.0f} MB) in {seconds:.2f} s "
            f"({cpu:.2f} s CPU): {args.rows / seconds:,.0f} rows/s; added {result['added']:,}, "
            f"restated {result['restated']:,}; peak RSS {peak_rss_mb():.0f} MB"
        )
    rt.close()
    print(
        json.dumps(
            {
                "rows": args.rows,
                "backend": url.split(":")[0],
                **{f"{k}_rows_per_s": round(args.rows / v) for k, v in timings.items()},
                "peak_rss_mb": round(peak_rss_mb()),
            }
        )
    )


if __name__ == "__main__":
    main()
