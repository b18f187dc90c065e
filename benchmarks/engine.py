"""How many base amounts per second the rules engine turns into targets.

Run: python -m benchmarks.engine [--transfers 10000] [--months 12]

Each synthetic transfer has three shares (a capped, floored, stepped split; a double count; an
all-to-origin share), each reading one metric reported every month, so the engine turns
transfers x months x 3 base amounts into targets. Prints the figures, last line JSON.
"""

import argparse
import json
import random
import time

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    ruleset = load_ruleset_text(RULESET, "bench")
    rng = random.Random(7)
    start = parse_month("2024-01")
    regions = [f"county{i}" for i in range(12)]
    work = []
    for n in range(args.transfers):
        a, b = rng.sample(regions, 2)
        agreement = resolve_agreement(ruleset, {"origin_share": f"{rng.randint(10, 60)}%"})
        transfer = TransferFacts(a, b, start, ruleset, agreement, n)
        actuals = {m: {start + i: rng.randint(0, 10**9) for i in range(args.months)} for m in ruleset.metrics}
        work.append((transfer, actuals))
    through = start + args.months - 1
    project = ProjectFacts()
    began = time.perf_counter()
    targets = 0
    for transfer, actuals in work:
        targets += len(settle_project(project, [transfer], actuals, through, "city")[0])
    elapsed = time.perf_counter() - began
    amounts = args.transfers * args.months * len(ruleset.shares)
    figures = {
        "transfers": args.transfers,
        "months": args.months,
        "base_amounts": amounts,
        "targets": targets,
        "seconds": round(elapsed, 3),
        "base_amounts_per_s": round(amounts / elapsed),
    }
    print(
        f"{amounts:,} base amounts -> {targets:,} targets in {elapsed:.2f} s "
        f"({amounts / elapsed:,.0f} base amounts per second)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
