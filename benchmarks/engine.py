"""How many base amounts per second the rules engine turns into targets.

Run: python -m benchmarks.engine [--transfers 10000] [--months 12] [--ruleset plain|additions|both]
     [--repeat 3] [--baseline REV]

Each synthetic transfer has three shares (a capped, floored, stepped split; a double count; an
all-to-origin share), each reading one metric reported every month, so the engine turns
transfers x months x 3 base amounts into targets. `plain` uses none of the additions of the
format's second version; `additions` is the same ruleset using them (a signed metric with
refund months, a term in agreed years, a `when` step, a named party, chain_term continue and
chain_agreement first). Each figure is the best of `--repeat` runs. Prints the figures, last
line JSON.

`--baseline REV` compares the `plain` figure with the engine of an earlier revision of the
repository (a commit, a tag, a branch): the package of REV is taken out of git into a temporary
folder and the same workload runs against each engine in turn, `--repeat` times in alternation,
each in a fresh process, so a busy machine slows both alike; each figure is the best of its runs.
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from pool.domain.months import parse_month
from pool.rules.agreement import resolve_agreement
from pool.rules.engine import settle_project
from pool.rules.facts import ProjectFacts, TransferFacts
from pool.rules.loader import load_ruleset_text

RULESET = """
ruleset: bench
version: "1"
title: engine benchmark
effective_from: 2020-01
metrics:
  tax_local: {unit: CNY}
  funds_in_place: {unit: CNY}
  foreign_investment: {unit: USD}
agreement:
  origin_share: {type: ratio, default: 50%, min: 10%, max: 60%}
  pre_move_tax: {type: amount, default: 500000}
shares:
  - name: tax
    book: fiscal
    base: tax_local
    mode: split
    term: {start: transfer, years: 3, extend_years_if_cap_unmet: 2}
    schedule:
      - {years: 1-2, origin: agreement.origin_share, city: 5%}
      - {years: 3-5, origin: 40%}
    cap: {origin_total: agreement.pre_move_tax}
    floor: {origin_per_year: 1000}
  - name: funds
    book: statistics
    base: funds_in_place
    mode: dual
    term: {start: transfer, years: 5}
  - name: foreign
    book: statistics
    base: foreign_investment
    mode: origin
    term: {start: first_report, years: 5}
"""


ADDITIONS = (
    RULESET.replace("  tax_local: {unit: CNY}", "  tax_local: {unit: CNY, signed: true}")
    .replace(
        "  pre_move_tax: {type: amount, default: 500000}",
        "  pre_move_tax: {type: amount, default: 500000}\n"
        "  term_years: {type: years, default: 3, min: 2, max: 3}",
    )
    .replace("shares:\n", "chain_term: continue\nchain_agreement: first\nshares:\n")
    .replace(
        "term: {start: transfer, years: 3, extend_years_if_cap_unmet: 2}",
        "term: {start: transfer, years: agreement.term_years, extend_years_if_cap_unmet: 2}",
    )
    .replace(
        "      - {years: 1-2, origin: agreement.origin_share, city: 5%}",
        "      - {years: 1-2, when: {min_planned_investment: 100000000}, origin: 30%, parties: {park: 5%}}\n"
        "      - {years: 1-2, origin: agreement.origin_share, city: 5%, parties: {park: 5%}}",
    )
)
RULESETS = {"plain": RULESET, "additions": ADDITIONS}


def run(which: str, transfers: int, months: int, repeat: int) -> dict[str, object]:
    """Settle the synthetic transfers under one ruleset; the best of `repeat` runs."""
    ruleset = load_ruleset_text(RULESETS[which], "bench")
    rng = random.Random(7)
    start = parse_month("2024-01")
    regions = [f"county{i}" for i in range(12)]
    low = -(10**8) if which == "additions" else 0  # refund months of the signed metric
    work = []
    for n in range(transfers):
        a, b = rng.sample(regions, 2)
        agreement = resolve_agreement(ruleset, {"origin_share": f"{rng.randint(10, 60)}%"})
        transfer = TransferFacts(a, b, start, ruleset, agreement, n)
        actuals = {
            m: {start + i: rng.randint(low if m == "tax_local" else 0, 10**9) for i in range(months)}
            for m in ruleset.metrics
        }
        work.append((transfer, actuals))
    through = start + months - 1
    project = ProjectFacts()
    best = float("inf")
    for _ in range(max(1, repeat)):
        began = time.perf_counter()
        targets = 0
        for transfer, actuals in work:
            targets += len(settle_project(project, [transfer], actuals, through, "city")[0])
        best = min(best, time.perf_counter() - began)
    amounts = transfers * months * len(ruleset.shares)
    print(
        f"{which}: {amounts:,} base amounts -> {targets:,} targets in {best:.2f} s "
        f"({amounts / best:,.0f} base amounts per second, best of {max(1, repeat)})"
    )
    return {
        "ruleset": which,
        "transfers": transfers,
        "months": months,
        "base_amounts": amounts,
        "targets": targets,
        "seconds": round(best, 3),
        "base_amounts_per_s": round(amounts / best),
    }


def _one_run(pythonpath: str | None, transfers: int, months: int) -> float:
    """One `plain` run in a fresh process whose `pool` package is the one on `pythonpath`."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    argv = [sys.executable, __file__, "--ruleset", "plain", "--repeat", "1"]
    argv += ["--transfers", str(transfers), "--months", str(months)]
    out = subprocess.run(argv, env=env, check=True, capture_output=True, text=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["seconds"])


def compare(revision: str, transfers: int, months: int, repeat: int) -> dict[str, object]:
    """The `plain` workload against REV's engine and this checkout's, alternately; best of each."""
    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", "--format=tar", revision, "pool"],
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryDirectory(prefix="pool-baseline-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        before, now = [], []
        for _ in range(max(1, repeat)):
            before.append(_one_run(folder, transfers, months))
            now.append(_one_run(str(root), transfers, months))
    amounts = transfers * months * 3
    figures = {
        "baseline": revision,
        "base_amounts": amounts,
        "baseline_s": min(before),
        "current_s": min(now),
        "current_vs_baseline": round(min(now) / min(before), 3),
        "runs": max(1, repeat),
    }
    print(
        f"plain, {amounts:,} base amounts: {revision} {min(before):.3f} s, this checkout "
        f"{min(now):.3f} s (x{figures['current_vs_baseline']}), best of {figures['runs']} alternating runs"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--ruleset", choices=("plain", "additions", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV", help="compare plain with REV's engine")
    args = parser.parse_args()
    if args.baseline:
        print(json.dumps(compare(args.baseline, args.transfers, args.months, args.repeat)))
        return
    which = ("plain", "additions") if args.ruleset == "both" else (args.ruleset,)
    figures = [run(w, args.transfers, args.months, args.repeat) for w in which]
    print(json.dumps(figures[0] if len(figures) == 1 else {f["ruleset"]: f for f in figures}))


if __name__ == "__main__":
    main()
