"""A synthetic province for the province benchmark (`python -m benchmarks`).

What goes through which code path:

- real services (pool.services.*), each call authenticated like a command: `pool init` with a
  `--regions FILE` preset of one city and COUNTIES counties; the actors (city, policy, the counties
  of the sample); publishing five library rulesets; and a sample of one project per ruleset
  registered, listed, claimed and approved (the jjj-2015 one also gets its full_capacity
  milestone), plus one chain move of a sample project;
- bulk, the rest of the projects, listings, claims and transfers: written straight into the same
  tables, set-based, the way tests/ledger_support.bulk_transfers does (the same columns and
  states the services write: closed listings, approved claims, the project's host moved, the
  agreement resolved and encoded by the same functions `claim approve` uses, the ruleset version
  in force looked up with the same `in_force`). Registering tens of thousands of projects one
  command at a time would time scrypt, not the ledger;
- actuals: one CSV file of projects x periods x 3 rows imported with pool.services.actuals
  .import_file, the code path of `pool actuals import`.

Every project moves once, from a county to another; every tenth moves on again to a third county
in the middle of the settled months (a chain). The rulesets cover a cap (jjj-2015), a floor
(chuanzhe), stepped schedules with a city portion (sunan-zhangye), and split, dual and origin
shares (shangluo-default, kunming-2024).
"""

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.bulk import Move, MovedProject, write_moved_projects
from pool.bootstrap import bootstrap
from pool.config import Settings
from pool.domain import agreement_values
from pool.domain.months import format_month, parse_month
from pool.rules.agreement import resolve_agreement
from pool.services import actors, actuals, claims, listings, projects, rulesets, setup
from pool.services.rulesets import in_force
from pool.services.runtime import Runtime

LIBRARY = Path(__file__).resolve().parents[1] / "pool" / "rules" / "library"
COUNTIES = 24
CITY = "capital"
ADMIN = "bench-city"
FIRST = "2025-01"  # the first settled month
INVESTMENT = "300000000"  # yuan, above every ruleset's threshold

# ruleset -> (the three metrics each of its projects reports monthly, earliest effective month)
RULESETS = {
    "shangluo-default": (("tax_local", "funds_domestic", "fai"), "2024-07"),
    "kunming-2024": (("tax_county", "incentives", "output"), "2024-05"),
    "sunan-zhangye": (("tax_local", "fai", "output"), "2023-01"),
    "chuanzhe": (("vat_local", "cit_local", "value_added"), "2022-01"),
    "jjj-2015": (("tax_three_local", "fai", "output"), "2022-01"),
}
NAMES = tuple(RULESETS)


@dataclass
class Plan:
    """One project: its code, ruleset, moves (from, to, effective month) and agreement."""

    code: str
    ruleset: str
    moves: list[tuple[str, str, int]]
    agreement: list[str]
    full_capacity: int | None = None


@dataclass
class Province:
    url: str
    workdir: Path
    token: str
    through: str
    projects: int
    periods: int
    transfers: int = 0
    actuals: int = 0
    import_s: float = 0.0

    @property
    def csv(self) -> Path:
        return self.workdir / "actuals.csv"


def counties() -> list[str]:
    return [f"county{i:02d}" for i in range(COUNTIES)]


def plan(n: int, periods: int, seed: int = 7) -> list[Plan]:
    rng = random.Random(seed)
    first = parse_month(FIRST)
    regions = counties()
    plans = []
    for i in range(n):
        name = NAMES[i % len(NAMES)]
        earliest = parse_month(RULESETS[name][1])
        effective = rng.randint(max(earliest, first - 30), first - 1)
        a, b, c = rng.sample(regions, 3)
        moves = [(a, b, effective)]
        if i % 10 == 9:
            moves.append((b, c, first + periods // 2))
        plans.append(
            Plan(
                f"P{i:06d}",
                name,
                moves,
                _agreement(name, rng),
                effective + rng.randint(0, 6) if name == "jjj-2015" else None,
            )
        )
    return plans


def _agreement(name: str, rng: random.Random) -> list[str]:
    if name == "shangluo-default":
        return [f"origin_tax_share={rng.randint(30, 50)}%"]
    if name == "kunming-2024":
        return [f"origin_share={rng.randint(10, 90)}%"]
    if name == "chuanzhe":
        return [f"floor_origin_per_year={rng.choice((150000, 1000000, 5000000))}"]
    if name == "jjj-2015":
        return [f"pre_move_tax_3y={rng.randint(60, 200) * 1_000_000}", "government_led=true"]
    return []


def _runtime(url: str, actor: str | None = None, token: str | None = None) -> Runtime:
    return bootstrap(Settings(database_url=url, actor=actor, token=token))


def build_province(url: str, workdir: Path, n: int, periods: int) -> Province:
    """Everything up to (not including) settlement: see the module docstring."""
    province = prepare(url, workdir, n, periods)
    import_actuals(province)
    return province


def prepare(url: str, workdir: Path, n: int, periods: int) -> Province:
    """The pool and its projects, and the actuals CSV written but not imported."""
    if n < len(NAMES) * 2:
        raise SystemExit(f"--transfers must be at least {len(NAMES) * 2}")
    workdir.mkdir(parents=True, exist_ok=True)
    preset = workdir / "province.yaml"
    regions = [{"code": CITY, "name": "省会市", "level": "city"}] + [
        {"code": c, "name": f"第{i + 1}县", "level": "county"} for i, c in enumerate(counties())
    ]
    preset.write_text(
        json.dumps(
            {
                "regions": regions,
                "chains": [
                    {"code": "electronics", "name": "电子信息"},
                    {"code": "new_materials", "name": "新材料"},
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    boot = _runtime(url)
    admin = setup.init(boot, regions=str(preset), admin=ADMIN)
    boot.close()
    city = _runtime(url, ADMIN, admin.token)
    tokens = {ADMIN: admin.token}
    policy = actors.add(city, name="bench-policy", role="policy", region=None)
    desk = _runtime(url, "bench-policy", str(policy["token"]))
    for name in NAMES:
        rulesets.publish(desk, str(LIBRARY / f"{name}.yaml"))
    rulesets.set_default(desk, NAMES[0])  # whose shares the reports count, as a city office sets
    desk.close()

    plans = plan(n, periods)
    sample = plans[: len(NAMES)]
    wanted = {r for p in sample for m in p.moves for r in m[:2]}
    for region in sorted(wanted):
        made = actors.add(city, name=f"{region}-bureau", role="county", region=region)
        tokens[f"{region}-bureau"] = str(made["token"])
    as_county = {r: _runtime(url, f"{r}-bureau", tokens[f"{r}-bureau"]) for r in wanted}
    for p in sample:
        _through_services(city, as_county, p)
    chained = plans[0]
    origin, host, _ = chained.moves[0]
    third = next(c for c in counties() if c not in (origin, host))
    chained.moves.append((host, third, parse_month(FIRST) + periods // 2))
    as_county[third] = _runtime(
        url,
        f"{third}-bureau",
        str(actors.add(city, name=f"{third}-bureau", role="county", region=third)["token"]),
    )
    _move(city, as_county, chained, host, third, chained.moves[-1][2])
    for rt in as_county.values():
        rt.close()

    _bulk(city, plans[len(NAMES) :])
    province = Province(url, workdir, admin.token, format_month(parse_month(FIRST) + periods - 1), n, periods)
    province.transfers = sum(len(p.moves) for p in plans)
    province.actuals = write_actuals(province.csv, plans, periods)
    city.close()
    return province


def import_actuals(province: Province) -> Province:
    """`pool actuals import` of the province's CSV through its service, timed."""
    city = _runtime(province.url, ADMIN, province.token)
    try:
        began = time.perf_counter()
        result = actuals.import_file(city, str(province.csv))
        province.import_s = time.perf_counter() - began
    finally:
        city.close()
    assert result["added"] == province.actuals, result
    return province


def _through_services(city: Runtime, as_county: dict[str, Runtime], p: Plan) -> None:
    origin, host, effective = p.moves[0]
    projects.add(
        as_county[origin],
        projects.NewProject(
            code=p.code,
            name=f"{p.code} 项目",
            investor=f"{p.code} 投资方",
            chain="electronics",
            kind="manufacturing",
            investment=INVESTMENT,
            capital_source="out_of_city",
        ),
    )
    if p.full_capacity is not None:
        projects.stage(city, p.code, None, milestones={"full_capacity": format_month(p.full_capacity)})
    _move(city, as_county, p, origin, host, effective)


def _move(city: Runtime, as_county: dict[str, Runtime], p: Plan, host: str, to: str, effective: int) -> None:
    listing = listings.open_listing(as_county[host], p.code, reason="用地不足", needs=[])
    claim = claims.submit(as_county[to], int(str(listing["id"])))
    claims.approve(
        city,
        int(str(claim["id"])),
        effective=format_month(effective),
        agreement=p.agreement,
        ruleset=p.ruleset,
    )


def _bulk(city: Runtime, plans: list[Plan]) -> None:
    """Every other project with its moves, written set-based (benchmarks.bulk); each move pinned
    and its agreement resolved by the functions `claim approve` uses."""
    pinned: dict[tuple[str, int], Any] = {}
    with city.uow() as uow:
        for p in plans:
            for _, _, effective in p.moves:
                if (p.ruleset, effective) not in pinned:
                    version, rules = in_force(uow, p.ruleset, effective)
                    pinned[(p.ruleset, effective)] = (version.id, rules)
        actor_id = uow.actors.by_name(ADMIN).id  # type: ignore[union-attr]

    def move(p: Plan, host: str, to: str, effective: int) -> Move:
        version_id, rules = pinned[(p.ruleset, effective)]
        values = resolve_agreement(rules, claims.parse_agreement(p.agreement))
        return Move(
            host, to, effective, version_id, json.dumps(agreement_values.encode(values), ensure_ascii=False)
        )

    projects_ = [
        MovedProject(
            {
                "code": p.code,
                "name": f"{p.code} 项目",
                "investor": f"{p.code} 投资方",
                "lead_investor": f"{p.code.lower()} 投资方",
                "lead_name": f"{p.code.lower()} 项目",
                "chain": "electronics",
                "kind": "manufacturing",
                "planned_investment": int(INVESTMENT) * 100,
                "capital_source": "out_of_city",
                "origin": p.moves[0][0],
                "host": p.moves[-1][1],
                "stage": "planned",
                "full_capacity": p.full_capacity,
            },
            [move(p, *m) for m in p.moves],
        )
        for p in plans
    ]
    with city.database.engine.begin() as conn:
        write_moved_projects(conn, projects_, actor_id, datetime(2024, 12, 1))


def write_actuals(path: Path, plans: list[Plan], periods: int) -> int:
    """projects x periods x 3 rows."""
    rng = random.Random(11)
    first = parse_month(FIRST)
    rows = 0
    with path.open("w", encoding="utf-8") as f:
        f.write("project,period,metric,amount,note\n")
        for p in plans:
            big = p.ruleset == "jjj-2015"
            metrics = RULESETS[p.ruleset][0]
            for m in range(periods):
                period = format_month(first + m)
                for k, metric in enumerate(metrics):
                    if metric == "incentives":
                        fen = rng.randint(0, 5_000_000)
                    elif big and k == 0:
                        fen = rng.randint(100_000_000, 2_000_000_000)
                    else:
                        fen = rng.randint(100_000, 100_000_000)
                    f.write(f"{p.code},{period},{metric},{fen // 100}.{fen % 100:02d},\n")
                    rows += 1
    return rows


def csv_amounts(path: Path) -> list[int]:
    """Every amount of an actuals CSV this module wrote, in fen (for the floor measurement)."""
    amounts = []
    with path.open(encoding="utf-8") as f:
        next(f)
        for line in f:
            yuan, fen = line.split(",")[3].split(".")
            amounts.append(int(yuan) * 100 + int(fen))
    return amounts
