"""The running sums a settlement keeps per (transfer, share, term year), and the actuals that
changed since the run that kept them: what a month-end run reads instead of every project's
history."""

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import and_, delete, func, literal_column, select, union_all
from sqlalchemy.orm import Session, aliased

from pool.store import raw
from pool.store.ledger_tables import Actual, ActualRevision, SettlementRun, ShareSum
from pool.store.models import Transfer
from pool.store.raw import Projects, Span

SUM_COLUMNS = ("transfer_id", "share", "year", "start", "cover_from", "cover_end", "amount")


class Kept(NamedTuple):
    """One share's sums: the term start and coverage they were collected for, and the base per
    term year (0: outside the term)."""

    start: int | None
    cover_from: int
    cover_end: int | None
    years: dict[int, int]


class ShareSums:
    def __init__(self, session: Session) -> None:
        self.session = session

    def kept(self, dirty: Projects, span: Span | None = None) -> dict[int, dict[str, Kept]]:
        """transfer id -> share -> its kept sums, for the transfers of the `dirty` projects."""
        stmt = select(*(getattr(ShareSum, c) for c in SUM_COLUMNS))
        if dirty is not None or span is not None:
            stmt = stmt.join(Transfer, Transfer.id == ShareSum.transfer_id)
            stmt = raw.of_projects(stmt, Transfer.project_id, dirty, span)
        out: dict[int, dict[str, Kept]] = {}
        for t, share, year, start, lo, end, amount in raw.stream(self.session, stmt):
            by_share = out.setdefault(t, {})
            kept = by_share.get(share)
            if kept is None:
                kept = by_share[share] = Kept(start, lo, end, {})
            kept.years[year] = amount
        return out

    def kept_by_project(self) -> Iterator[tuple[int, dict[int, dict[str, Kept]]]]:
        """Every kept sum, one project at a time in project order: transfer -> share -> its sums."""
        stmt = (
            select(Transfer.project_id, *(getattr(ShareSum, c) for c in SUM_COLUMNS))
            .join(Transfer, Transfer.id == ShareSum.transfer_id)
            .order_by(Transfer.project_id)
        )
        current: int | None = None
        out: dict[int, dict[str, Kept]] = {}
        for project_id, t, share, year, start, lo, end, amount in raw.stream(self.session, stmt):
            if project_id != current:
                if current is not None:
                    yield current, out
                current, out = project_id, {}
            by_share = out.setdefault(t, {})
            kept = by_share.get(share)
            if kept is None:
                kept = by_share[share] = Kept(start, lo, end, {})
            kept.years[year] = amount
        if current is not None:
            yield current, out

    def changes(
        self, dirty: Projects, last: SettlementRun, through: int, span: Span | None = None
    ) -> Iterator[tuple[int, dict[str, dict[int, int]]]]:
        """What the actuals through `through` add to what `last` read, one project at a time:
        metric -> period -> change. The months after `last` count whole; an earlier month counts
        what an import after `last` changed in it (a restated or late figure)."""
        before = (
            select(ActualRevision.amount)
            .where(
                ActualRevision.project_id == Actual.project_id,
                ActualRevision.period == Actual.period,
                ActualRevision.metric == Actual.metric,
                ActualRevision.import_id <= last.last_import_id,
            )
            .order_by(ActualRevision.revision.desc())
            .limit(1)
            .scalar_subquery()
        )
        new_months = select(Actual.project_id, Actual.metric, Actual.period, Actual.amount).where(
            Actual.period > last.through, Actual.period <= through
        )
        restated = select(
            Actual.project_id,
            Actual.metric,
            Actual.period,
            (Actual.amount - func.coalesce(before, 0)).label("amount"),
        ).where(and_(Actual.import_id > last.last_import_id, Actual.period <= last.through))
        new_months = raw.of_projects(new_months, Actual.project_id, dirty, span)
        restated = raw.of_projects(restated, Actual.project_id, dirty, span)
        stmt = union_all(new_months, restated).order_by(literal_column("project_id"))
        return raw.by_project(raw.batches(self.session, stmt))

    def forget(self, transfer_ids: Sequence[int]) -> None:
        """Drop the sums of these transfers (their coverage or term start moved)."""
        for chunk in raw.chunks(transfer_ids):
            stmt = delete(ShareSum).where(ShareSum.transfer_id.in_(chunk))
            self.session.execute(stmt, execution_options={"synchronize_session": False})

    def keep(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Store sums (SUM_COLUMNS), replacing the kept amount of the same (transfer, share, year)."""
        raw.upsert(self.session, "share_sums", SUM_COLUMNS, ("transfer_id", "share", "year"), rows)

    def actuals_read_by(self, last: SettlementRun) -> Iterator[tuple[int, dict[str, dict[int, int]]]]:
        """The actuals as `last` read them (through its month, from the imports it had read), one
        project at a time: metric -> period -> amount."""
        newest = (
            select(func.max(ActualRevision.revision))
            .where(
                ActualRevision.project_id == Older.project_id,
                ActualRevision.period == Older.period,
                ActualRevision.metric == Older.metric,
                ActualRevision.import_id <= last.last_import_id,
            )
            .scalar_subquery()
        )
        stmt = (
            select(Older.project_id, Older.metric, Older.period, Older.amount)
            .where(
                Older.import_id <= last.last_import_id,
                Older.period <= last.through,
                Older.revision == newest,
            )
            .order_by(Older.project_id)
        )
        return raw.by_project(raw.batches(self.session, stmt))


Older = aliased(ActualRevision)
