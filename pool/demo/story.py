"""`pool demo`: the workflow part of a realistic day of the 商洛 pool, in a fresh SQLite file."""

import tempfile
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib import resources
from pathlib import Path

from pool.bootstrap import bootstrap
from pool.config import Settings
from pool.demo import year
from pool.domain.errors import InvalidInput, PoolError
from pool.services import actors, claims, listings, projects, rulesets, setup
from pool.services.projects import NewProject
from pool.services.runtime import Runtime

DEMO_FILE = "pool-demo.db"

COUNTIES = ("shangzhou", "luonan", "danfeng", "shangnan", "shanyang", "zhenan", "zhashui")

# (county, code, name, investor, chain, kind, planned investment in yuan, capital source)
PROJECTS = (
    (
        "luonan",
        "LN-2024-001",
        "钼精深加工项目",
        "金钼股份",
        "new_materials",
        "manufacturing",
        "350000000",
        "out_of_city",
    ),
    (
        "danfeng",
        "DF-2024-002",
        "核桃深加工项目",
        "陕西忠果",
        "green_food",
        "manufacturing",
        "120000000",
        "out_of_city",
    ),
    (
        "shanyang",
        "SY-2024-003",
        "中药材提取及制剂项目",
        "天士力",
        "health_medicine",
        "manufacturing",
        "280000000",
        "out_of_province",
    ),
    (
        "zhenan",
        "ZA-2024-004",
        "光伏玻璃深加工项目",
        "中玻集团",
        "building_materials",
        "manufacturing",
        "450000000",
        "out_of_province",
    ),
    (
        "shangnan",
        "SN-2024-005",
        "共享储能电站项目",
        "三峡能源",
        "new_energy",
        "manufacturing",
        "600000000",
        "out_of_province",
    ),
    (
        "zhashui",
        "ZS-2024-006",
        "无人机整机制造项目",
        "陕西国飞无人机",
        "electronics",
        "manufacturing",
        "200000000",
        "out_of_city",
    ),
)


class Day:
    """The demo's cast: one runtime per actor, all on the same database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runtimes: dict[str, Runtime] = {}
        self.lines: list[str] = []

    def as_(self, name: str) -> Runtime:
        return self.runtimes[name]

    def enrol(self, name: str, token: str) -> None:
        self.runtimes[name] = bootstrap(Settings(self.url, name, token))

    def say(self, line: str) -> None:
        self.lines.append(line)

    def close(self) -> None:
        for rt in self.runtimes.values():
            rt.close()


@dataclass(frozen=True)
class Played:
    """What the day left: its lines, the database, and each actor's token (to sign in with)."""

    lines: list[str]
    url: str
    tokens: dict[str, str]


def run(directory: str | None) -> list[str]:
    """Run the day and return what happened, line by line."""
    return play(directory).lines


def play(directory: str | None) -> Played:
    """Run the day; what happened, where, and who can sign in."""
    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="pool-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DEMO_FILE
    if path.exists():
        raise InvalidInput(
            f"{path} already exists; the demo needs a fresh file, so choose another --dir or remove it."
        )
    taken = [name for name in year.files() if (folder / name).exists()]
    if taken:
        raise InvalidInput(
            f"{folder} already holds {', '.join(taken)}; the demo never overwrites "
            "a file, so choose another --dir or move them."
        )
    day = Day(f"sqlite:///{path}")
    try:
        _story(day, folder)
    finally:
        day.close()
    tokens = {name: rt.settings.token or "" for name, rt in day.runtimes.items()}
    day.say("")
    day.say(f"The pool is in {path}. Look around with, for example:")
    day.say(f"  pool --db sqlite:///{path} --as city-office project list")
    day.say("  (POOL_TOKEN is the city-office token printed above.)")
    return Played(day.lines, day.url, tokens)


def _story(day: Day, folder: Path) -> None:
    boot = bootstrap(Settings(day.url, None, None))
    admin = setup.init(boot, regions="shangluo", admin="city-office")
    boot.close()
    day.enrol("city-office", admin.token)
    day.say("商洛市招商服务中心 opens the pool: 商洛市 and its district and six counties.")
    day.say(f"  city-office token (shown once): {admin.token}")
    city = day.as_("city-office")
    for county in COUNTIES:
        made = actors.add(city, name=f"{county}-bureau", role="county", region=county)
        day.enrol(str(made["actor"]), str(made["token"]))
    for name, role in (("policy-desk", "policy"), ("audit-bureau", "auditor")):
        made = actors.add(city, name=name, role=role, region=None)
        day.enrol(name, str(made["token"]))
    day.say(f"  actors: {', '.join(day.runtimes)}")
    _publish(day)
    _register(day)
    _pool(day)
    _second_move(day)
    year.settle_a_year(day, folder)


def _publish(day: Day) -> None:
    rule_file = resources.files("pool.rules.library").joinpath("shangluo-default.yaml")
    with resources.as_file(rule_file) as path:
        published = rulesets.publish(day.as_("policy-desk"), str(path))
    day.say(
        f"policy-desk publishes ruleset {published['ruleset']} {published['version']} "
        f"(in force from {published['effective_from']})."
    )


def _register(day: Day) -> None:
    day.say("Counties register the leads they found, one in each of the six chains:")
    for county, code, name, investor, chain, kind, investment, source in PROJECTS:
        rt = day.as_(f"{county}-bureau")
        p = projects.add(rt, NewProject(code, name, investor, chain, kind, investment, source))
        day.say(
            f"  {p['origin_name']} registers {code} {name} ({investor}, {p['chain_name']}, "
            f"planned {Decimal(investment) / 100_000_000} 亿元)"
        )
    projects.stage(day.as_("zhashui-bureau"), "ZS-2024-006", "signed", month="2024-05")
    projects.stage(day.as_("luonan-bureau"), "LN-2024-001", "signed", month="2024-04")
    day.say("  柞水县 signs ZS-2024-006 (2024-05); 洛南县 signs LN-2024-001 (2024-04).")
    try:
        projects.add(
            day.as_("shangzhou-bureau"),
            replace(
                NewProject(
                    "SZ-2024-009",
                    " 钼精深加工项目 ",
                    "金钼股份",
                    "new_materials",
                    "manufacturing",
                    "350000000",
                    "out_of_city",
                )
            ),
        )
    except PoolError as exc:
        day.say(f"  商州区 tries to register the same lead again: refused — {exc}")


def _pool(day: Day) -> None:
    zs = listings.open_listing(
        day.as_("zhashui-bureau"),
        "ZS-2024-006",
        reason="柞水园区工业用地已用尽,无法满足整机总装厂房用地",
        needs=["land_mu=150", "power_kw=8000"],
        days=30,
    )
    ln = listings.open_listing(
        day.as_("luonan-bureau"),
        "LN-2024-001",
        reason="洛南县能耗指标不足",
        needs=["energy_tce=12000"],
        days=45,
    )
    day.say(
        f"柞水县 lists ZS-2024-006 (listing {zs['id']}, needs 150 亩, 8000 kW); "
        f"洛南县 lists LN-2024-001 (listing {ln['id']}, needs 12000 tce)."
    )
    first = claims.submit(
        day.as_("shangzhou-bureau"), _id(zs), note_text="商州区电子信息产业园有现成标准化厂房"
    )
    second = claims.submit(day.as_("danfeng-bureau"), _id(zs), note_text="丹凤县可提供150亩工业用地")
    third = claims.submit(day.as_("shanyang-bureau"), _id(ln), note_text="山阳县有能耗余量")
    day.say(
        f"商州区 (claim {first['id']}) and 丹凤县 (claim {second['id']}) compete for "
        f"listing {zs['id']}; 山阳县 claims listing {ln['id']} (claim {third['id']})."
    )
    try:
        claims.approve(day.as_("danfeng-bureau"), _id(second), effective="2024-08", agreement=[])
    except PoolError as exc:
        day.say(f"丹凤县 tries to approve its own claim: denied — {exc}")
    transfer = claims.approve(
        day.as_("city-office"), _id(first), effective="2024-08", agreement=["origin_tax_share=40%"]
    )
    day.say(
        f"The city approves claim {first['id']}: transfer {transfer['id']} moves "
        f"{transfer['project']} from {transfer['from_name']} to {transfer['to_name']} "
        f"effective {transfer['effective']}, pinned to {transfer['ruleset']} "
        f"{transfer['version']}, agreement {transfer['agreement']}; claim {second['id']} "
        "is rejected with it."
    )
    claims.reject(day.as_("city-office"), _id(third), reason="山阳县能耗余量不足以承接该项目,建议继续对接")
    day.say(f"The city rejects claim {third['id']}; listing {ln['id']} stays open for others.")


def _second_move(day: Day) -> None:
    ln_listing = next(row for row in listings.list_listings(day.as_("city-office"), status="open"))
    claim = claims.submit(
        day.as_("danfeng-bureau"), _id(ln_listing), note_text="丹凤县循环经济园区有能耗指标"
    )
    transfer = claims.approve(
        day.as_("city-office"), _id(claim), effective="2024-11", agreement=["origin_tax_share=50%"]
    )
    day.say(
        f"Later, 丹凤县 claims listing {ln_listing['id']} and the city approves it: transfer "
        f"{transfer['id']} moves {transfer['project']} to {transfer['to_name']} effective "
        f"{transfer['effective']}, agreement {transfer['agreement']}."
    )


def _id(row: dict[str, object]) -> int:
    """The id of an object a service returned."""
    value = row["id"]
    assert isinstance(value, int)
    return value
