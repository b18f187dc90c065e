"""Tables of actuals and of the ledger. Written set-based, never per object.

Append-only: actual_revisions, settlement_runs, ledger_entries, ledger_postings, period_closes.
Kept in the same transaction as the postings they summarise: ledger_accounts.balance and
transfer_positions.amount, which `pool ledger verify` recomputes from the postings.
"""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pool.domain import lengths
from pool.store.base import Base


class ActualImport(Base):
    """One `pool actuals import`: who, when, which file, and what it changed."""

    __tablename__ = "actual_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer)
    restated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)


class Actual(Base):
    """The current value of (project, period, metric); its history is in actual_revisions."""

    __tablename__ = "actuals"
    __table_args__ = (
        UniqueConstraint("project_id", "period", "metric"),
        # a run finds the months it newly covers without reading every month before them
        Index("ix_actuals_period", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    period: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(lengths.METRIC))
    amount: Mapped[int] = mapped_column(BigInteger)
    revision: Mapped[int] = mapped_column(Integer)
    import_id: Mapped[int] = mapped_column(ForeignKey("actual_imports.id"), index=True)


class ActualRevision(Base):
    """Every value ever reported, the first report being revision 1. Append-only."""

    __tablename__ = "actual_revisions"
    __table_args__ = (UniqueConstraint("project_id", "period", "metric", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    period: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(lengths.METRIC))
    revision: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text)
    import_id: Mapped[int] = mapped_column(ForeignKey("actual_imports.id"), index=True)


class SettlementRun(Base):
    """One `pool settle PERIOD`. Append-only."""

    __tablename__ = "settlement_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    through: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    last_import_id: Mapped[int] = mapped_column(Integer)  # the newest import it had read
    last_transfer_id: Mapped[int] = mapped_column(Integer)  # the newest transfer it had read
    # the input journal's head when it read the inputs (None: a run from before the journal)
    journal_seq: Mapped[int | None] = mapped_column(Integer)
    journal_head: Mapped[str | None] = mapped_column(String(64))


class LedgerAccount(Base):
    """A party account (book, region, share) or a share's source account, with its balance."""

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(lengths.ACCOUNT_NAME), unique=True)
    book: Mapped[str] = mapped_column(String(lengths.BOOK))
    region: Mapped[str] = mapped_column(String(lengths.REGION_CODE))  # a region code, or @source
    share: Mapped[str] = mapped_column(String(lengths.SHARE))
    unit: Mapped[str] = mapped_column(String(lengths.UNIT))
    balance: Mapped[int] = mapped_column(BigInteger)


class LedgerEntry(Base):
    """A balanced, hash-chained entry: one share of one transfer moved by a settlement run."""

    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    run_id: Mapped[int] = mapped_column(ForeignKey("settlement_runs.id"), index=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"))
    share: Mapped[str] = mapped_column(String(lengths.SHARE))
    book: Mapped[str] = mapped_column(String(lengths.BOOK))
    through: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LedgerPosting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (Index("ix_ledger_postings_entry_seq", "entry_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_seq: Mapped[int] = mapped_column(ForeignKey("ledger_entries.seq"))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class TransferPosition(Base):
    """What is posted so far to one region from one share of one transfer."""

    __tablename__ = "transfer_positions"

    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), primary_key=True)
    share: Mapped[str] = mapped_column(String(lengths.SHARE), primary_key=True)
    region: Mapped[str] = mapped_column(String(lengths.REGION_CODE), primary_key=True)
    book: Mapped[str] = mapped_column(String(lengths.BOOK))
    amount: Mapped[int] = mapped_column(BigInteger)


class PeriodClose(Base):
    """`pool period close PERIOD`: actuals up to `through` change only by restatement."""

    __tablename__ = "period_closes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    through: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    at: Mapped[datetime] = mapped_column(DateTime)


class ShareSum(Base):
    """What one share of one transfer has collected as of the last settlement run: its base per
    term year (year 0: covered outside the term), with the term start and coverage they were
    collected for. Kept in the same transaction as the postings, so a run reads only what is new."""

    __tablename__ = "share_sums"

    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), primary_key=True)
    share: Mapped[str] = mapped_column(String(lengths.SHARE), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[int | None] = mapped_column(Integer)
    cover_from: Mapped[int] = mapped_column(Integer)
    cover_end: Mapped[int | None] = mapped_column(Integer)  # None: open, through the run's month
    amount: Mapped[int] = mapped_column(BigInteger)


class PositionYear(Base):
    """What one share of one transfer posted to one region within one calendar year (by the month
    each run settled through): the statements' figures, kept by settlement with the postings."""

    __tablename__ = "position_years"

    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), primary_key=True)
    share: Mapped[str] = mapped_column(String(lengths.SHARE), primary_key=True)
    region: Mapped[str] = mapped_column(String(lengths.REGION_CODE), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    book: Mapped[str] = mapped_column(String(lengths.BOOK))
    amount: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_position_years_region_year", "region", "year"),)


class PayableSum(Base):
    """What each host owes each other party in the fiscal book, per unit and settled month: the
    payables report's figures, kept by settlement with the postings as balances are."""

    __tablename__ = "payable_sums"

    payer: Mapped[str] = mapped_column(String(lengths.REGION_CODE), primary_key=True)
    payee: Mapped[str] = mapped_column(String(lengths.REGION_CODE), primary_key=True)
    unit: Mapped[str] = mapped_column(String(lengths.UNIT), primary_key=True)
    through: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger)
