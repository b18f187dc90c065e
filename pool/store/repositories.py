"""Repositories: the queries the services need, by aggregate. The audit repository only adds."""

import json
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from pool.domain.text import bounded
from pool.store import raw
from pool.store.models import (
    Actor,
    AuditEntry,
    Chain,
    Claim,
    Listing,
    Project,
    Region,
    RulesetVersion,
    Transfer,
)

MAX_ID = 2**63 - 1


def _no_such(row_id: int) -> bool:
    """An id no row can have (the database's integers stop at 2^63 - 1): looked up, it is absent."""
    return not 0 < row_id <= MAX_ID


class _Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _locked(self, stmt: Select, *, lock: bool, read: bool = False) -> Select:
        """FOR UPDATE (or FOR SHARE) on PostgreSQL; SQLite serialises writers at BEGIN instead."""
        if not lock:
            return stmt
        stmt = stmt.execution_options(populate_existing=True)  # what the lock holder left
        if self.session.get_bind().dialect.name != "postgresql":
            return stmt
        return stmt.with_for_update(read=read)


class Regions(_Repository):
    def all(self) -> list[Region]:
        return list(self.session.scalars(select(Region).order_by(Region.level, Region.code)))

    def get(self, code: str) -> Region | None:
        return self.session.get(Region, code)

    def city(self) -> Region | None:
        return self.session.scalars(select(Region).where(Region.level == "city")).first()

    def names(self) -> dict[str, str]:
        return {r.code: r.name for r in self.all()}

    def add(self, region: Region) -> None:
        self.session.add(region)

    def chains(self) -> list[Chain]:
        return list(self.session.scalars(select(Chain).order_by(Chain.code)))

    def chain(self, code: str) -> Chain | None:
        return self.session.get(Chain, code)

    def add_chain(self, chain: Chain) -> None:
        self.session.add(chain)


class Actors(_Repository):
    def get(self, actor_id: int) -> Actor | None:
        if _no_such(actor_id):
            return None
        return self.session.get(Actor, actor_id)

    def by_name(self, name: str) -> Actor | None:
        return self.session.scalars(select(Actor).where(Actor.name == name)).first()

    def all(self) -> list[Actor]:
        return list(self.session.scalars(select(Actor).order_by(Actor.id)))

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Actor)) or 0

    def add(self, actor: Actor) -> None:
        self.session.add(actor)

    def active_city(self, *, lock: bool = False) -> list[Actor]:
        """City actors not revoked; locked, they stay so until the transaction ends."""
        stmt = select(Actor).where(Actor.role == "city", Actor.revoked_at.is_(None))
        return list(self.session.scalars(self._locked(stmt.order_by(Actor.id), lock=lock)))


class Projects(_Repository):
    def by_code(self, code: str, *, lock: bool = False) -> Project | None:
        stmt = self._locked(select(Project).where(Project.code == code), lock=lock)
        return self.session.scalars(stmt).first()

    def by_id(self, project_id: int, *, lock: bool = False) -> Project | None:
        if _no_such(project_id):
            return None
        stmt = self._locked(select(Project).where(Project.id == project_id), lock=lock)
        return self.session.scalars(stmt).first()

    def names_of(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """id -> (code, name) of the projects with these ids."""
        out: dict[int, tuple[str, str]] = {}
        unique = sorted(set(ids))
        for chunk in raw.chunks(unique):
            stmt = select(Project.id, Project.code, Project.name).where(Project.id.in_(chunk))
            out.update({i: (c, n) for i, c, n in self.session.execute(stmt)})
        return out

    def named(self, lead_name: str) -> list[Project]:
        """Projects whose folded name is `lead_name`, oldest first."""
        stmt = select(Project).where(Project.lead_name == lead_name).order_by(Project.id)
        return list(self.session.scalars(stmt))

    def by_lead(self, investor: str, name: str) -> Project | None:
        stmt = select(Project).where(Project.lead_investor == investor, Project.lead_name == name)
        return self.session.scalars(stmt).first()

    def search(
        self,
        *,
        chain: str | None = None,
        host: str | None = None,
        stage: str | None = None,
        text: tuple[str, str, str] | None = None,
    ) -> list[Project]:
        """`text` is (as typed, folded as names are, folded as investors are): a project matches
        when its name or investor contains it in any of these forms."""
        stmt = select(Project).order_by(Project.code)
        if text:
            typed, name, investor = text
            stmt = stmt.where(
                or_(
                    Project.name.contains(typed, autoescape=True),
                    Project.investor.contains(typed, autoescape=True),
                    Project.lead_name.contains(name, autoescape=True),
                    Project.lead_investor.contains(investor, autoescape=True),
                )
            )
        if chain:
            stmt = stmt.where(Project.chain == chain)
        if host:
            stmt = stmt.where(Project.host == host)
        if stage:
            stmt = stmt.where(Project.stage == stage)
        return list(self.session.scalars(stmt))

    def add(self, project: Project) -> None:
        self.session.add(project)


class Listings(_Repository):
    def get(self, listing_id: int, *, lock: bool = False) -> Listing | None:
        if _no_such(listing_id):
            return None
        stmt = self._locked(select(Listing).where(Listing.id == listing_id), lock=lock)
        return self.session.scalars(stmt).first()

    def lock_shared(self, listing_id: int) -> Listing | None:
        if _no_such(listing_id):
            return None
        stmt = self._locked(select(Listing).where(Listing.id == listing_id), lock=True, read=True)
        return self.session.scalars(stmt).first()

    def expire_due(self, project_id: int, now: datetime) -> None:
        """Store `expired` on the project's open listings whose window has passed."""
        stmt = select(Listing).where(
            Listing.project_id == project_id, Listing.status == "open", Listing.closes_at <= now
        )
        for listing in self.session.scalars(stmt):
            listing.status, listing.closed_at = "expired", listing.closes_at

    def open_for(self, project_id: int) -> Listing | None:
        stmt = select(Listing).where(Listing.project_id == project_id, Listing.status == "open")
        return self.session.scalars(stmt).first()

    def search(
        self,
        *,
        status: str | None,
        chain: str | None,
        min_investment: int | None,
        now: datetime,
        project: str | None = None,
    ) -> list[tuple[Listing, Project]]:
        stmt = select(Listing, Project).join(Project, Project.id == Listing.project_id).order_by(Listing.id)
        if project is not None:
            stmt = stmt.where(Project.code == project)
        if status == "open":
            stmt = stmt.where(Listing.status == "open", Listing.closes_at > now)
        elif status == "expired":
            stmt = stmt.where(
                or_(Listing.status == "expired", and_(Listing.status == "open", Listing.closes_at <= now))
            )
        elif status:
            stmt = stmt.where(Listing.status == status)
        if chain:
            stmt = stmt.where(Project.chain == chain)
        if min_investment is not None:
            stmt = stmt.where(Project.planned_investment >= min_investment)
        return [(row[0], row[1]) for row in self.session.execute(stmt)]

    def recent(self, since: datetime | None, limit: int) -> list[tuple[Listing, Project]]:
        """The newest listings opened after `since` (any time when None), newest first."""
        stmt = select(Listing, Project).join(Project, Project.id == Listing.project_id)
        if since is not None:
            stmt = stmt.where(Listing.opened_at > since)
        stmt = stmt.order_by(Listing.id.desc()).limit(limit)
        return [(row[0], row[1]) for row in self.session.execute(stmt)]

    def add(self, listing: Listing) -> None:
        self.session.add(listing)


class Claims(_Repository):
    def get(self, claim_id: int, *, fresh: bool = False, lock: bool = False) -> Claim | None:
        """With `lock`, the claim as its last writer left it, locked until the transaction ends
        (a concurrent withdraw, reject or approve of it waits, then sees the new status)."""
        if _no_such(claim_id):
            return None
        if lock:
            return self.session.scalars(
                self._locked(select(Claim).where(Claim.id == claim_id), lock=True)
            ).first()
        return self.session.get(Claim, claim_id, populate_existing=fresh)

    def for_listing(self, listing_id: int) -> list[Claim]:
        stmt = select(Claim).where(Claim.listing_id == listing_id).order_by(Claim.id)
        return list(self.session.scalars(stmt))

    def pending(self, listing_id: int, claimant: str | None = None, *, lock: bool = False) -> list[Claim]:
        stmt = select(Claim).where(Claim.listing_id == listing_id, Claim.status == "pending")
        if claimant is not None:
            stmt = stmt.where(Claim.claimant == claimant)
        return list(self.session.scalars(self._locked(stmt.order_by(Claim.id), lock=lock)))

    def decided_since(self, since: datetime | None, claimant: str | None, limit: int) -> list[Claim]:
        """The newest claims decided after `since` (any time when None), newest first."""
        stmt = select(Claim).where(Claim.decided_at.is_not(None))
        if since is not None:
            stmt = stmt.where(Claim.decided_at > since)
        if claimant is not None:
            stmt = stmt.where(Claim.claimant == claimant)
        return list(
            self.session.scalars(stmt.order_by(Claim.decided_at.desc(), Claim.id.desc()).limit(limit))
        )

    def search(self, *, claimant: str | None = None, status: str | None = None) -> list[Claim]:
        stmt = select(Claim)
        if claimant is not None:
            stmt = stmt.where(Claim.claimant == claimant)
        if status is not None:
            stmt = stmt.where(Claim.status == status)
        return list(self.session.scalars(stmt.order_by(Claim.id)))

    def add(self, claim: Claim) -> None:
        self.session.add(claim)


class Transfers(_Repository):
    def get(self, transfer_id: int) -> Transfer | None:
        if _no_such(transfer_id):
            return None
        return self.session.get(Transfer, transfer_id)

    def search(self, *, project_id: int | None = None) -> list[Transfer]:
        stmt = select(Transfer).order_by(Transfer.id)
        if project_id is not None:
            stmt = stmt.where(Transfer.project_id == project_id)
        return list(self.session.scalars(stmt))

    def add(self, transfer: Transfer) -> None:
        self.session.add(transfer)


class Rulesets(_Repository):
    def get(self, version_id: int) -> RulesetVersion | None:
        if _no_such(version_id):
            return None
        return self.session.get(RulesetVersion, version_id)

    def find(self, ruleset: str, version: str) -> RulesetVersion | None:
        stmt = select(RulesetVersion).where(
            RulesetVersion.ruleset == ruleset, RulesetVersion.version == version
        )
        return self.session.scalars(stmt).first()

    def versions(self, ruleset: str | None = None) -> list[RulesetVersion]:
        stmt = select(RulesetVersion).order_by(
            RulesetVersion.ruleset, RulesetVersion.effective_from, RulesetVersion.id
        )
        if ruleset:
            stmt = stmt.where(RulesetVersion.ruleset == ruleset)
        return list(self.session.scalars(stmt))

    def add(self, version: RulesetVersion) -> None:
        self.session.add(version)


# The audit columns' widths: what an attempt claims is kept, cut to fit and marked as cut.
AUDIT_ACTOR, AUDIT_TARGET = 100, 200


class Audit(_Repository):
    """Append and read; the database refuses anything else."""

    def append(
        self,
        *,
        at: datetime,
        actor: str | None,
        role: str | None,
        action: str,
        target: str | None,
        outcome: str,
        detail: dict[str, object] | str,
    ) -> None:
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, sort_keys=True)
        self.session.add(
            AuditEntry(
                at=at,
                actor=None if actor is None else bounded(actor, AUDIT_ACTOR),
                role=role,
                action=action,
                target=None if target is None else bounded(target, AUDIT_TARGET),
                outcome=outcome,
                detail=text,
            )
        )

    def search(self, *, actor: str | None = None, since: datetime | None = None) -> list[AuditEntry]:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        if actor:
            stmt = stmt.where(AuditEntry.actor == actor)
        if since:
            stmt = stmt.where(AuditEntry.at >= since)
        return list(self.session.scalars(stmt))
