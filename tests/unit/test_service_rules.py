"""The workflow services' permission and state rules on an in-memory unit of work: who may do
what, which states refuse, and that a refused attempt leaves every row as it was but its audit
row. The same services run on SQLite and PostgreSQL in the command-line and integration tests."""

from datetime import datetime
from pathlib import Path

import pytest
from support.fakes import FakeDatabase, runtime_on

from pool.domain.errors import Conflict, InvalidInput, PermissionDenied, PoolError
from pool.services import claims, listings, projects, rulesets
from pool.services.projects import NewProject
from pool.services.runtime import Runtime
from pool.store.models import Actor, AuditEntry, Chain, Region

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"
NOW = datetime(2025, 3, 10, 2, 0)
ACTORS = {
    "city-office": ("city", "shangluo"),
    "zhashui-bureau": ("county", "zhashui"),
    "shangzhou-bureau": ("county", "shangzhou"),
    "danfeng-bureau": ("county", "danfeng"),
    "policy-desk": ("policy", None),
}


class World:
    """A fake pool with a city, three counties, a chain and an actor of each kind."""

    def __init__(self) -> None:
        self.db = FakeDatabase()
        self.now = NOW
        self.actors = {
            name: Actor(id=i, name=name, role=role, region=region, token_hash=f"h{i}", created_at=NOW)
            for i, (name, (role, region)) in enumerate(ACTORS.items(), start=1)
        }
        regions = [Region(code="shangluo", name="商洛市", level="city")] + [
            Region(code=c, name=n, level="county")
            for c, n in (("zhashui", "柞水县"), ("shangzhou", "商州区"), ("danfeng", "丹凤县"))
        ]
        self.db.seed([*regions, Chain(code="electronics", name="电子信息"), *self.actors.values()])

    def as_(self, name: str) -> Runtime:
        return runtime_on(self.db, self.actors[name], lambda: self.now)

    def state(self) -> dict[type, list[dict[str, object]]]:
        """Every row but the audit log's, as plain values."""
        return {
            kind: [{k: v for k, v in vars(r).items() if not k.startswith("_sa_")} for r in rows]
            for kind, rows in self.db.rows.tables.items()
            if kind is not AuditEntry
        }

    def audit(self) -> list[tuple[str | None, str, str]]:
        return [(e.actor, e.action, e.outcome) for e in self.db.rows.of(AuditEntry)]

    def refused(self, error: type[PoolError], text: str, call: object) -> None:
        """`call` raises `error` with `text`, changes no row, and adds one audit row."""
        before, audited = self.state(), len(self.audit())
        with pytest.raises(error) as raised:
            call()  # type: ignore[operator]
        assert text in str(raised.value)
        assert self.state() == before
        outcome = {PermissionDenied: "denied", Conflict: "conflict", InvalidInput: "invalid"}[error]
        assert [a[2] for a in self.audit()[audited:]] == [outcome]


def lead(code: str = "ZS-1", origin: str | None = None) -> NewProject:
    return NewProject(
        code, "无人机整机", "国飞", "electronics", "manufacturing", "200000000", "out_of_city", origin
    )


@pytest.fixture
def world() -> World:
    return World()


def test_a_county_registers_leads_only_for_itself_and_the_city_names_the_origin(world: World) -> None:
    world.refused(
        PermissionDenied,
        "registers leads for zhashui only",
        lambda: projects.add(world.as_("zhashui-bureau"), lead(origin="danfeng")),
    )
    world.refused(
        InvalidInput,
        "must name the county that found the project",
        lambda: projects.add(world.as_("city-office"), lead()),
    )
    world.refused(
        PermissionDenied, "may not register projects", lambda: projects.add(world.as_("policy-desk"), lead())
    )
    made = projects.add(world.as_("zhashui-bureau"), lead())
    assert (made["origin"], made["host"], made["stage"]) == ("zhashui", "zhashui", "planned")
    world.refused(
        InvalidInput, "already registered", lambda: projects.add(world.as_("shangzhou-bureau"), lead("SZ-9"))
    )


def test_only_the_host_lists_and_a_project_has_one_open_listing(world: World) -> None:
    projects.add(world.as_("zhashui-bureau"), lead())
    world.refused(
        PermissionDenied,
        "may not list ZS-1",
        lambda: listings.open_listing(world.as_("shangzhou-bureau"), "ZS-1", reason="x", needs=[]),
    )
    world.refused(
        InvalidInput,
        "needs a --reason",
        lambda: listings.open_listing(world.as_("zhashui-bureau"), "ZS-1", reason=" ", needs=[]),
    )
    listings.open_listing(world.as_("zhashui-bureau"), "ZS-1", reason="用地不足", needs=["land_mu=120"])
    world.refused(
        Conflict,
        "already has open listing 1",
        lambda: listings.open_listing(world.as_("city-office"), "ZS-1", reason="再次", needs=[]),
    )


def test_claims_are_by_other_counties_once_each_while_the_listing_is_open(world: World) -> None:
    projects.add(world.as_("zhashui-bureau"), lead())
    listings.open_listing(world.as_("zhashui-bureau"), "ZS-1", reason="用地不足", needs=[], days=10)
    world.refused(
        InvalidInput,
        "a host cannot claim its own listing",
        lambda: claims.submit(world.as_("zhashui-bureau"), 1),
    )
    world.refused(
        PermissionDenied, "may not claim listings", lambda: claims.submit(world.as_("city-office"), 1)
    )
    claims.submit(world.as_("shangzhou-bureau"), 1, note_text="有厂房")
    world.refused(
        InvalidInput,
        "already has a pending claim on listing 1",
        lambda: claims.submit(world.as_("shangzhou-bureau"), 1),
    )
    world.refused(
        PermissionDenied, "may not withdraw it", lambda: claims.withdraw(world.as_("danfeng-bureau"), 1)
    )
    world.now = datetime(2025, 3, 25)
    world.refused(Conflict, "Listing 1 is expired", lambda: claims.submit(world.as_("danfeng-bureau"), 1))


def test_the_city_approves_a_pending_claim_once_in_a_month_not_yet_to_come(world: World) -> None:
    rulesets.publish(world.as_("policy-desk"), str(LIBRARY / "shangluo-default.yaml"))
    projects.add(world.as_("zhashui-bureau"), lead())
    listings.open_listing(world.as_("zhashui-bureau"), "ZS-1", reason="用地不足", needs=[])
    claims.submit(world.as_("shangzhou-bureau"), 1)
    claims.submit(world.as_("danfeng-bureau"), 1)
    approve = lambda who, month: claims.approve(  # noqa: E731
        world.as_(who), 1, effective=month, agreement=["origin_tax_share=40%"], ruleset="shangluo-default"
    )
    world.refused(PermissionDenied, "may not approve claims", lambda: approve("shangzhou-bureau", "2025-03"))
    world.refused(
        InvalidInput, "2025-04 is after the current month", lambda: approve("city-office", "2025-04")
    )
    moved = approve("city-office", "2025-03")
    assert (moved["from"], moved["to"], moved["effective"]) == ("zhashui", "shangzhou", "2025-03")
    statuses = {c.claimant: c.status for c in world.db.unit_of_work().claims.for_listing(1)}
    assert statuses == {"shangzhou": "approved", "danfeng": "rejected"}
    world.refused(Conflict, "not pending", lambda: approve("city-office", "2025-03"))
    assert world.db.unit_of_work().projects.by_code("ZS-1").host == "shangzhou"


def test_a_revoked_or_reissued_actor_is_refused_by_every_service(world: World) -> None:
    zs = world.as_("zhashui-bureau")
    world.actors["zhashui-bureau"].revoked_at = NOW
    world.refused(PermissionDenied, "was revoked", lambda: projects.add(zs, lead()))
    world.actors["zhashui-bureau"].revoked_at = None
    world.actors["zhashui-bureau"].token_hash = "new"
    world.refused(
        PermissionDenied, "token of 'zhashui-bureau' was replaced", lambda: projects.add(zs, lead())
    )
    with pytest.raises(PermissionDenied):
        projects.list_projects(zs)
