"""The tables of the pool, as SQLAlchemy 2 declarative models. Schema changes go through Alembic."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pool.domain import lengths
from pool.domain.vocab import CAPITAL_SOURCES, KINDS, LEVELS, STAGES
from pool.domain.workflow import CLAIM_STATES, LISTING_STATES, ROLES
from pool.store.base import Base, one_of


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = (CheckConstraint(one_of("level", LEVELS), name="level"),)

    code: Mapped[str] = mapped_column(String(lengths.REGION_CODE), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))


class Chain(Base):
    __tablename__ = "chains"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Actor(Base):
    __tablename__ = "actors"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role"),
        CheckConstraint("role != 'county' OR region IS NOT NULL", name="county_has_region"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    region: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    token_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)  # a revoked actor cannot act


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("lead_investor", "lead_name"),
        CheckConstraint("planned_investment >= 0", name="investment_not_negative"),
        CheckConstraint("planned_fixed_assets >= 0", name="fixed_assets_not_negative"),
        CheckConstraint(
            one_of("kind", KINDS),
            name="kind",
        ),
        CheckConstraint(
            one_of("capital_source", CAPITAL_SOURCES),
            name="capital_source",
        ),
        CheckConstraint(
            one_of("stage", STAGES),
            name="stage",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    investor: Mapped[str] = mapped_column(String(200))
    lead_investor: Mapped[str] = mapped_column(String(200))
    lead_name: Mapped[str] = mapped_column(String(200))
    chain: Mapped[str] = mapped_column(ForeignKey("chains.code"))
    kind: Mapped[str] = mapped_column(String(20))
    planned_investment: Mapped[int] = mapped_column(BigInteger)  # fen
    planned_fixed_assets: Mapped[int | None] = mapped_column(BigInteger)  # fen; eligibility only
    capital_source: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    host: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    stage: Mapped[str] = mapped_column(String(20))
    signed: Mapped[int | None] = mapped_column(Integer)  # months, pool.domain.months
    construction_start: Mapped[int | None] = mapped_column(Integer)
    operation_start: Mapped[int | None] = mapped_column(Integer)
    full_capacity: Mapped[int | None] = mapped_column(Integer)
    registered_by: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    registered_at: Mapped[datetime] = mapped_column(DateTime)


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint(one_of("status", LISTING_STATES), name="status"),
        Index(
            "uq_listings_one_open_per_project",
            "project_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # the host that listed it
    reason: Mapped[str] = mapped_column(Text)
    needs: Mapped[str] = mapped_column(Text)  # JSON object of need -> value text
    status: Mapped[str] = mapped_column(String(12))
    opened_by: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint(one_of("status", CLAIM_STATES), name="status"),
        Index(
            "uq_claims_one_pending_per_claimant",
            "listing_id",
            "claimant",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    claimant: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)


class RulesetVersion(Base):
    """A published ruleset version: its text and hash, immutable once stored."""

    __tablename__ = "ruleset_versions"
    __table_args__ = (UniqueConstraint("ruleset", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ruleset: Mapped[str] = mapped_column(String(lengths.RULESET_ID))
    version: Mapped[str] = mapped_column(String(lengths.VERSION))
    title: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[int] = mapped_column(Integer)
    effective_until: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime)


class Transfer(Base):
    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    from_region: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    to_region: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    effective: Mapped[int] = mapped_column(Integer)  # month
    ruleset_version_id: Mapped[int] = mapped_column(ForeignKey("ruleset_versions.id"))
    agreement: Mapped[str] = mapped_column(Text)  # JSON, pool.domain.agreement_values
    approved_by: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    approved_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    """Who did what to which object, when, and how it ended. Append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str | None] = mapped_column(String(100), index=True)  # as claimed
    role: Mapped[str | None] = mapped_column(String(10))  # when the actor was proven
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str] = mapped_column(Text)
