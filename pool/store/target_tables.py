"""Tables of annual targets and published assessment schemes. Both are append-only: a changed
target is a new row (the current value is the latest row of its region, indicator and year), and a
published scheme version is never edited."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pool.domain import lengths
from pool.store.base import Base


class TargetValue(Base):
    """One value of a region's annual target for an indicator (`book:share`), as set by whom, when."""

    __tablename__ = "targets"
    __table_args__ = (Index("ix_targets_key", "year", "indicator", "region"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    indicator: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units of the indicator's unit
    set_by: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(255))  # "set", or the imported file's name


class AssessmentScheme(Base):
    """A published assessment scheme version: its YAML text and hash, immutable once stored."""

    __tablename__ = "assessment_schemes"
    __table_args__ = (UniqueConstraint("scheme", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme: Mapped[str] = mapped_column(String(lengths.RULESET_ID))
    version: Mapped[str] = mapped_column(String(lengths.VERSION))
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    published_at: Mapped[datetime] = mapped_column(DateTime)
