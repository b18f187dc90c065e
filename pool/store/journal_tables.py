"""Tables of corrections and of the input journal. Append-only, all three (database triggers).

A transfer's agreement is changed by a new revision and a transfer is undone by a cancellation,
never by editing the transfer; every record that decides money (projects' facts, transfers,
agreement revisions, cancellations, actual revisions, period closes, published rule texts) is
also appended to the input journal, whose hash chain `pool ledger verify` recomputes.
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pool.store.base import Base


class AgreementRevision(Base):
    """A new agreement for the whole of a transfer; the transfer's own is revision 1."""

    __tablename__ = "agreement_revisions"
    __table_args__ = (UniqueConstraint("transfer_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    agreement: Mapped[str] = mapped_column(Text)  # JSON, pool.domain.agreement_values
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    at: Mapped[datetime] = mapped_column(DateTime)


class TransferCancellation(Base):
    """A transfer undone: the project is back with its previous host and the transfer's targets
    are zero from then on, so the next settlement reverses what was posted for it."""

    __tablename__ = "transfer_cancellations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    at: Mapped[datetime] = mapped_column(DateTime)


class InputRecord(Base):
    """One record of the input journal: the content of one stored input row, hash-chained."""

    __tablename__ = "input_journal"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[int] = mapped_column(Integer)  # the id of the row recorded
    project_id: Mapped[int | None] = mapped_column(Integer, index=True)  # whose targets it can move
    body: Mapped[str] = mapped_column(Text)  # pool.ledger.inputs.canonical
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
