"""The province benchmark: settlement, reports, verify and export against their floor.

Run: python -m benchmarks [--transfers 10000] [--periods 12] [--db URL] [--dir DIR]
                          [--format text|json] [--prepare-only] [--profile] [--peers]

Builds a synthetic province (benchmarks.province says which parts go through the services and
which are written in bulk), imports one actuals CSV of transfers x periods x 3 rows through
`pool actuals import`'s code path, then on two copies of the same database times one settlement
through the last month and month-by-month settlements; on the month-by-month copy it times the
balances report, the payables report of the last year, `ledger verify` and the export. Each step
(the build, the import, the single settlement and each month's, the reports, verify, verify
--deep, the export, the bulletin) runs in a fresh interpreter of its own, as a command would:
`peak_rss_mb` is the largest peak of those steps and of any process they started, the synthetic
data's build excepted (`peak_rss_by_step` has each kind of step's largest). The floor
is measured in the same run: a raw sqlite3 insert (multi-row INSERTs) of as many posting rows as
the single settlement wrote plus a bare integer largest-remainder loop over every imported amount. Every
settlement also accounts the seconds the driver spends writing each table (`settle_writes_s`,
`monthly_writes_s`), and `monthly_ledger_writes_vs_floor` sets the twelve runs' writes of their
entries, postings and positions against their floor.

--db names an empty database (SQLite file or PostgreSQL; the second copy of a PostgreSQL
database is made with CREATE DATABASE … TEMPLATE and dropped at the end). --prepare-only builds
the data, stops before any settlement and prints {"actor", "token", "through"}. --profile prints
the top 15 cumulative entries of a cProfile of the single settlement on stderr. --peers then
times ledger-cli, hledger and bean-check on the month-by-month copy's journals and checks their
balances against `pool report balances` (benchmarks.peers; a tool not installed is null). With
--format json the last line of stdout is one JSON object.
"""

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from benchmarks import peers, province, timing
from benchmarks.memory import in_own_process, peak_rss_mb
from pool.domain.months import format_month, parse_month

T = TypeVar("T")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--db", default=None)
    parser.add_argument("--dir", default=None)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--peers", action="store_true")
    args = parser.parse_args(argv)
    if args.periods < 1:
        parser.error("--periods must be at least 1")
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="pool-province-"))
    url = args.db or f"sqlite:///{workdir / 'province.db'}"
    say = (lambda line: print(line, file=sys.stderr)) if args.format == "json" else print

    peaks: dict[str, float] = {}

    def step(name: str, fn: Callable[..., T], *fn_args: Any) -> T:
        value, peak = in_own_process(fn, *fn_args)
        peaks[name] = max(peak, peaks.get(name, 0.0))  # a step run again: its largest peak
        return value

    began = time.perf_counter()
    p = step("build", province.prepare, url, workdir, args.transfers, args.periods)
    p = step("import", province.import_actuals, p)
    built = time.perf_counter() - began
    if args.prepare_only:
        print(json.dumps({"actor": province.ADMIN, "token": p.token, "through": p.through}))
        return
    say(
        f"built {args.transfers:,} projects ({p.transfers:,} transfers) and imported "
        f"{p.actuals:,} actuals in {built:.1f} s (import {p.import_s:.2f} s)"
    )

    monthly_url = timing.copy_database(url, "monthly")
    try:
        figures = _measure(p, url, monthly_url, workdir, args.profile, say, step)
        if args.peers:
            figures.update(peers.run(monthly_url, p.token, p.through, workdir, say))
    finally:
        if args.db is not None:
            timing.drop_copy(monthly_url)
    figures = {
        "transfers": args.transfers,
        "transfer_rows": p.transfers,
        "periods": args.periods,
        "actuals": p.actuals,
        **figures,
        "import_s": p.import_s,
        "import_rows_per_s": p.actuals / p.import_s,
        "backend": url.split(":")[0].split("+")[0],
        # the commands' peak: every step but the synthetic data's build ran as a command would
        "peak_rss_mb": round(max(v for k, v in peaks.items() if k != "build"), 1),
        "peak_rss_by_step": {k: round(v, 1) for k, v in peaks.items()},
        "bench_rss_mb": peak_rss_mb(),
    }
    figures = {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}
    _report(figures, say)
    if args.format == "json":
        print(json.dumps(figures))


# what a run writes that the cumulative delta of each transfer cannot do without: its entries,
# their postings, and the positions the next run's delta is taken from
LEDGER_ROWS = ("ledger_entries", "ledger_postings", "transfer_positions")


def _rounded(seconds: dict[str, float]) -> dict[str, float]:
    return {table: round(s, 3) for table, s in sorted(seconds.items(), key=lambda kv: -kv[1])}


def _measure(
    p: province.Province, url: str, monthly_url: str, workdir: Path, profile: bool, say: Any, step: Any
) -> dict[str, Any]:
    first = province.FIRST
    settle_s, once = step("settle", timing.settle_once, url, p.token, p.through, profile)
    say(f"settled {first}..{p.through} once: {once['postings']:,} postings in {settle_s:.2f} s")
    months = range(parse_month(first), parse_month(p.through) + 1)
    runs = [step("settle_month", timing.settle_month, monthly_url, p.token, format_month(m)) for m in months]
    monthly_s = sum(r["seconds"] for r in runs)
    say(f"settled month by month: {sum(r['postings'] for r in runs):,} postings in {monthly_s:.2f} s")
    insert_s = timing.floor_insert(once["postings"], workdir / "floor.db")
    allocate_s = timing.floor_allocate(province.csv_amounts(p.csv))
    floor_s = insert_s + allocate_s
    monthly_postings = sum(r["postings"] for r in runs)
    # the twelve runs' floor: the raw insert of their own postings, and the allocation of their own
    # months' amounts (each month's once: together, every amount once)
    monthly_floor_s = timing.floor_insert(monthly_postings, workdir / "floor.db") + allocate_s
    monthly_writes: dict[str, float] = {}
    for r in runs:
        for table, seconds in r["writes"].items():
            monthly_writes[table] = monthly_writes.get(table, 0.0) + seconds
    ledger_writes = sum(monthly_writes.get(t, 0.0) for t in LEDGER_ROWS)
    each = [r["seconds"] for r in runs]
    year = int(p.through[:4])
    read = {
        **step("reports", timing.reads, monthly_url, p.token, year),
        **step("verify", timing.verify_once, monthly_url, p.token, False),
        **step("verify_deep", timing.verify_once, monthly_url, p.token, True),
        **step("export", timing.export_once, monthly_url, p.token, workdir / "journal.ledger"),
    }
    bulletin_s, _ = step("bulletin", timing.bulletin_once, monthly_url, p.token, p.through)
    say(f"bulletin {p.through}: {bulletin_s:.2f} s")
    bare = timing.verify_bare(monthly_url)
    return {
        "postings": once["postings"],
        "entries": once["entries"],
        "projects_settled": once["projects"],
        "monthly_postings": monthly_postings,
        "settle_s": settle_s,
        "settle_monthly_s": monthly_s,
        "monthly_run_s": [round(s, 3) for s in each],
        "month12_vs_month1": each[-1] / each[0],
        "monthly_vs_once": monthly_s / settle_s,
        "monthly_floor_s": monthly_floor_s,
        "monthly_vs_floor": monthly_s / monthly_floor_s,
        "settle_writes_s": _rounded(once["writes"]),
        "monthly_writes_s": _rounded(monthly_writes),
        "monthly_ledger_writes_s": ledger_writes,
        "monthly_ledger_writes_vs_floor": ledger_writes / monthly_floor_s,
        "floor_insert_s": insert_s,
        "floor_allocate_s": allocate_s,
        "floor_s": floor_s,
        "settle_vs_floor": settle_s / floor_s,
        **read,
        "verify_bare_s": bare,
        "verify_vs_bare": read["verify_s"] / bare if bare else None,
        "verify_deep_vs_settle": read["verify_deep_s"] / settle_s,
        "bulletin_s": bulletin_s,
        "bulletin_vs_settle": bulletin_s / settle_s,
    }


def _report(f: dict[str, Any], say: Any) -> None:
    say(f"import     {f['import_rows_per_s']:>12,.0f} rows/s   (target >= 150,000)")
    say(
        f"settle     {f['settle_s']:>12.2f} s        floor {f['floor_s']:.2f} s, "
        f"x{f['settle_vs_floor']:.1f} (target <= 3.0)"
    )
    say(
        f"monthly    {f['settle_monthly_s']:>12.2f} s        x{f['monthly_vs_once']:.2f} of once "
        f"(target <= 6), x{f['monthly_vs_floor']:.2f} of its floor (target <= 3)"
    )
    say(
        f"           of which writing their entries, postings and positions alone "
        f"{f['monthly_ledger_writes_s']:.2f} s, x{f['monthly_ledger_writes_vs_floor']:.2f} of their floor"
    )
    say(
        f"each month {', '.join(f'{s:.2f}' for s in f['monthly_run_s'])} s: the last "
        f"x{f['month12_vs_month1']:.2f} of the first (target <= 1.25)"
    )
    say(
        f"balances   {f['balances_ms']:>12.1f} ms       (target <= 50; of which authenticating "
        f"the actor, scrypt, {f['auth_ms']:.0f} ms)"
    )
    say(f"payables   {f['payables_ms']:>12.1f} ms")
    bare = (
        f"bare {f['verify_bare_s']:.2f} s, x{f['verify_vs_bare']:.1f} (target <= 2)"
        if f["verify_bare_s"]
        else "no bare figure on this backend"
    )
    say(f"verify     {f['verify_s']:>12.2f} s        {bare}; ok={f['verify_ok']}")
    say(
        f"deep       {f['verify_deep_s']:>12.2f} s        x{f['verify_deep_vs_settle']:.2f} of settle "
        f"(target <= 2); ok={f['verify_deep_ok']}"
    )
    say(f"export     {f['export_s']:>12.2f} s        {f['export_mb']:.1f} MB")
    say(
        f"bulletin   {f['bulletin_s']:>12.2f} s        x{f['bulletin_vs_settle']:.2f} of one settlement "
        "(target <= 3.0)"
    )
    steps = ", ".join(f"{k} {v:.0f}" for k, v in f["peak_rss_by_step"].items())
    say(f"peak RSS   {f['peak_rss_mb']:>12.0f} MB       (target <= 500; each step's own: {steps})")
    if "peers" in f:
        for line in peers.report_lines(f):
            say(line)


if __name__ == "__main__":
    main()
