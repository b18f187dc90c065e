"""Set-based reads and writes of actuals and the ledger for settlement, verify and reports.

Everything here moves rows with Core statements (executemany, streamed selects); nothing creates
an ORM object per actual or per posting.
"""

import itertools
import operator
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, func, insert, or_, select, union
from sqlalchemy.orm import Session

from pool.domain.accounts import SOURCE
from pool.store import raw
from pool.store.journal_tables import AgreementRevision, InputRecord, TransferCancellation
from pool.store.ledger_tables import (
    Actual,
    ActualImport,
    LedgerAccount,
    LedgerEntry,
    LedgerPosting,
    PeriodClose,
    PositionYear,
    SettlementRun,
    TransferPosition,
)
from pool.store.models import Project, RulesetVersion, Transfer
from pool.store.raw import Projects, Span


class TransferRow(NamedTuple):
    """A transfer with the project facts the engine reads."""

    id: int
    project_id: int
    from_region: str
    to_region: str
    effective: int
    ruleset_version_id: int
    agreement: str
    planned_investment: int
    kind: str
    capital_source: str
    signed: int | None
    construction_start: int | None
    operation_start: int | None
    full_capacity: int | None
    planned_fixed_assets: int | None


ENTRY_COLUMNS = ("seq", "run_id", "transfer_id", "share", "book", "through", "prev_hash", "hash")
PositionKey = tuple[int, str, str, str]  # transfer, share, book, region
StoredEntry = tuple[tuple[Any, ...], list[tuple[str, int]]]  # ENTRY_COLUMNS, (account, amount)s


class Ledger:
    """Reads and appends of the ledger tables inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- runs -------------------------------------------------------------------------------
    def state(self) -> tuple[int | None, int | None, int | None]:
        """The ledger's last entry, the input journal's last record and the last settlement run:
        what changes whenever anything verify checks is written."""
        row = self.session.execute(
            select(
                select(func.max(LedgerEntry.seq)).scalar_subquery(),
                select(func.max(InputRecord.seq)).scalar_subquery(),
                select(func.max(SettlementRun.id)).scalar_subquery(),
            )
        ).one()
        return row[0], row[1], row[2]

    def last_run(self) -> SettlementRun | None:
        stmt = select(SettlementRun).order_by(SettlementRun.id.desc()).limit(1)
        return self.session.scalars(stmt).first()

    def newest_ids(self) -> tuple[int, int]:
        """The newest actuals import and the newest transfer, or 0."""
        imports = self.session.scalar(select(func.coalesce(func.max(ActualImport.id), 0)))
        transfers = self.session.scalar(select(func.coalesce(func.max(Transfer.id), 0)))
        return int(imports or 0), int(transfers or 0)

    def add_run(
        self,
        through: int,
        actor_id: int,
        at: datetime,
        last_import_id: int,
        last_transfer_id: int,
        journal: tuple[int, str] | None = None,
    ) -> int:
        journal_seq, journal_head = journal if journal is not None else (None, None)
        result = self.session.execute(
            insert(SettlementRun)
            .values(
                through=through,
                actor_id=actor_id,
                at=at,
                last_import_id=last_import_id,
                last_transfer_id=last_transfer_id,
                journal_seq=journal_seq,
                journal_head=journal_head,
            )
            .returning(SettlementRun.id)
        )
        return int(result.scalar_one())

    def closed_through(self) -> int | None:
        return self.session.scalar(select(func.max(PeriodClose.through)))

    def close_periods(self, through: int, actor_id: int, at: datetime) -> int:
        result = self.session.execute(
            insert(PeriodClose).values(through=through, actor_id=actor_id, at=at).returning(PeriodClose.id)
        )
        return int(result.scalar_one())

    # -- what to recompute ------------------------------------------------------------------
    def dirty_projects(
        self, through: int, last: SettlementRun | None, sensitive_versions: Sequence[int]
    ) -> Select[Any] | None:
        """Projects whose targets may have changed since `last`; None means every project."""
        if last is None:
            return None
        changed = select(Actual.project_id).where(
            or_(
                Actual.import_id > last.last_import_id,
                and_(Actual.period > last.through, Actual.period <= through),
            )
        )
        moved = select(Transfer.project_id).where(
            or_(
                Transfer.id > last.last_transfer_id,
                Transfer.ruleset_version_id.in_(list(sensitive_versions) or [-1]),
            )
        )
        # corrections, new project facts and restatements recorded since the run
        journaled = select(InputRecord.project_id).where(
            InputRecord.seq > (last.journal_seq or 0), InputRecord.project_id.is_not(None)
        )
        return union(changed, moved, journaled)  # type: ignore[return-value]

    def project_ids(self, dirty: Select[Any] | None) -> list[int]:
        """The projects of `dirty` (None: every project) that ever moved, in id order."""
        stmt = select(Transfer.project_id).distinct().order_by(Transfer.project_id)
        if dirty is not None:
            stmt = stmt.where(Transfer.project_id.in_(dirty))
        return [project_id for (project_id,) in raw.stream(self.session, stmt)]

    # -- facts ------------------------------------------------------------------------------
    def transfers(
        self, dirty: Projects, through: int, project_id: int | None = None, span: Span | None = None
    ) -> list[TransferRow]:
        """Transfers with the project facts the engine reads, in project and effective order."""
        stmt = select(
            Transfer.id,
            Transfer.project_id,
            Transfer.from_region,
            Transfer.to_region,
            Transfer.effective,
            Transfer.ruleset_version_id,
            func.coalesce(current_agreement(), Transfer.agreement),
            Project.planned_investment,
            Project.kind,
            Project.capital_source,
            Project.signed,
            Project.construction_start,
            Project.operation_start,
            Project.full_capacity,
            Project.planned_fixed_assets,
        ).join(Project, Project.id == Transfer.project_id)
        stmt = raw.of_projects(_in_force(stmt, through), Transfer.project_id, dirty, span)
        if project_id is not None:
            stmt = stmt.where(Transfer.project_id == project_id)
        return [TransferRow._make(row) for row in raw.stream(self.session, stmt)]

    def covering(self, month: int) -> dict[int, tuple[int, str, int]]:
        """project -> (transfer id, host, ruleset version) of its transfer in force in `month`:
        the latest not cancelled, effective by then."""
        stmt = _in_force(
            select(Transfer.project_id, Transfer.id, Transfer.to_region, Transfer.ruleset_version_id), month
        )
        return {
            project_id: (t, host, version) for project_id, t, host, version in raw.stream(self.session, stmt)
        }

    def cancelled(self, dirty: Projects, span: Span | None = None) -> dict[int, dict[int, str]]:
        """project -> its cancelled transfers (whose posted amounts settlement reverses), each
        with the host it had."""
        stmt = select(Transfer.project_id, Transfer.id, Transfer.to_region).join(
            TransferCancellation, TransferCancellation.transfer_id == Transfer.id
        )
        stmt = raw.of_projects(stmt, Transfer.project_id, dirty, span)
        out: dict[int, dict[int, str]] = {}
        for project_id, transfer_id, host in self.session.execute(stmt):
            out.setdefault(project_id, {})[transfer_id] = host
        return out

    def posted_transfers(self, transfer_ids: list[int]) -> set[int]:
        """Those of `transfer_ids` that a settlement has posted anything for."""
        stmt = select(TransferPosition.transfer_id).where(TransferPosition.transfer_id.in_(transfer_ids))
        return set(self.session.scalars(stmt.distinct()))

    def positions(
        self, dirty: Projects, transfer_id: int | None = None, span: Span | None = None
    ) -> dict[int, dict[PositionKey, int]]:
        """Posted amounts, per transfer."""
        stmt = select(
            TransferPosition.transfer_id,
            TransferPosition.share,
            TransferPosition.book,
            TransferPosition.region,
            TransferPosition.amount,
        )
        if dirty is not None or span is not None:
            stmt = stmt.join(Transfer, Transfer.id == TransferPosition.transfer_id)
            stmt = raw.of_projects(stmt, Transfer.project_id, dirty, span)
        if transfer_id is not None:
            stmt = stmt.where(TransferPosition.transfer_id == transfer_id)
        out: dict[int, dict[PositionKey, int]] = {}
        for t, s, b, r, a in raw.stream(self.session, stmt):
            out.setdefault(t, {})[(t, s, b, r)] = a
        return out

    def actuals_by_project(
        self, dirty: Projects, through: int, project_id: int | None = None, span: Span | None = None
    ) -> Iterator[tuple[int, dict[str, dict[int, int]]]]:
        """The actuals through `through`, streamed one project at a time: metric -> period -> amount."""
        return raw.by_project(raw.batches(self.session, _actuals(dirty, through, project_id, span)))

    def projects_pinned_to(self, ruleset: str) -> Select[Any]:
        """Projects with a transfer pinned to any published version of `ruleset`."""
        return (
            select(Transfer.project_id)
            .join(RulesetVersion, RulesetVersion.id == Transfer.ruleset_version_id)
            .where(RulesetVersion.ruleset == ruleset)
        )

    def party_balances(self) -> dict[tuple[str, str, str], int]:
        """(book, region, share) -> balance of every party account."""
        stmt = select(
            LedgerAccount.book, LedgerAccount.region, LedgerAccount.share, LedgerAccount.balance
        ).where(LedgerAccount.region != SOURCE)
        return {(b, r, s): a for b, r, s, a in self.session.execute(stmt)}

    # -- appends ----------------------------------------------------------------------------
    def head(self) -> tuple[int, str | None]:
        row = self.session.execute(
            select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)
        ).first()
        return (int(row[0]), str(row[1])) if row else (0, None)

    def accounts(self) -> dict[str, int]:
        return {name: id_ for name, id_ in self.session.execute(select(LedgerAccount.name, LedgerAccount.id))}

    def add_accounts(self, rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        if rows:
            self.session.execute(insert(LedgerAccount), [{**r, "balance": 0} for r in rows])

    def add_entries(self, entries: list[tuple[Any, ...]], postings: list[tuple[int, int, int]]) -> None:
        """Entries (seq, run, transfer, share, book, through, prev_hash, hash) and their postings
        (entry seq, account id, amount)."""
        raw.insert(self.session, "ledger_entries", ENTRY_COLUMNS, entries)
        raw.insert(self.session, "ledger_postings", ("entry_seq", "account_id", "amount"), postings)

    def balances_of(self, ids: list[int]) -> dict[int, int]:
        """The stored balance of each account in `ids`."""
        found: dict[int, int] = {}
        for chunk in raw.chunks(ids):
            stmt = select(LedgerAccount.id, LedgerAccount.balance).where(LedgerAccount.id.in_(chunk))
            found.update({i: b for i, b in self.session.execute(stmt)})
        return found

    def add_to_balances(self, deltas: dict[int, int]) -> None:
        raw.execute_many(
            self.session,
            "UPDATE ledger_accounts SET balance = balance + ? WHERE id = ?",
            [(d, a) for a, d in deltas.items() if d],
        )

    def add_to_payables(self, rows: list[tuple[str, str, str, int, int]]) -> None:
        """Add (payer, payee, unit, through, amount) to the kept payable sums."""
        raw.upsert(
            self.session,
            "payable_sums",
            ("payer", "payee", "unit", "through", "amount"),
            ("payer", "payee", "unit", "through"),
            rows,
            add=("amount",),
        )

    def add_to_years(self, rows: list[tuple[int, str, str, int, str, int]]) -> None:
        """Add (transfer, share, region, year, book, amount) to what was posted within each year."""
        raw.upsert(
            self.session,
            "position_years",
            ("transfer_id", "share", "region", "year", "book", "amount"),
            ("transfer_id", "share", "region", "year"),
            rows,
            add=("amount",),
        )

    def set_positions(self, changed: list[tuple[PositionKey, int]]) -> None:
        """Store new posted amounts, inserting the keys not stored yet."""
        raw.upsert(
            self.session,
            "transfer_positions",
            ("transfer_id", "share", "book", "region", "amount"),
            ("transfer_id", "share", "region"),
            [(*key, amount) for key, amount in changed],
        )

    # -- whole-ledger reads (verify, export) ----------------------------------------------
    def entries(self) -> Iterator[StoredEntry]:
        """Every entry in chain order, streamed one at a time: its ENTRY_COLUMNS and its postings'
        (account name, amount) in posting order. Entries and postings come as two sorted streams
        merged here (a join would repeat each entry's hashes on every posting row); a posting of
        no entry is left to orphan_postings, and one of no account is left out (so its entry's
        hash no longer recomputes)."""
        names = {i: n for i, n in self.session.execute(select(LedgerAccount.id, LedgerAccount.name))}
        entries = raw.stream(
            self.session,
            select(
                LedgerEntry.seq,
                LedgerEntry.run_id,
                LedgerEntry.transfer_id,
                LedgerEntry.share,
                LedgerEntry.book,
                LedgerEntry.through,
                LedgerEntry.prev_hash,
                LedgerEntry.hash,
            ).order_by(LedgerEntry.seq),
        )
        postings = raw.stream(
            self.session,
            select(LedgerPosting.entry_seq, LedgerPosting.account_id, LedgerPosting.amount).order_by(
                LedgerPosting.entry_seq, LedgerPosting.id
            ),
        )
        groups = itertools.groupby(postings, key=operator.itemgetter(0))
        group = next(groups, None)
        for entry in entries:
            seq = entry[0]
            while group is not None and group[0] < seq:
                group = next(groups, None)
            if group is None or group[0] != seq:
                yield entry, []
                continue
            yield entry, [(names[a], m) for _, a, m in group[1] if a in names]
            group = next(groups, None)

    def stored_balances(self) -> dict[int, tuple[str, int]]:
        return {
            i: (n, b)
            for i, n, b in self.session.execute(
                select(LedgerAccount.id, LedgerAccount.name, LedgerAccount.balance)
            )
        }

    def stored_positions(self) -> Iterator[tuple[int, str, str, int]]:
        """(transfer, share, region, amount) of every stored position, streamed."""
        return raw.stream(
            self.session,
            select(
                TransferPosition.transfer_id,
                TransferPosition.share,
                TransferPosition.region,
                TransferPosition.amount,
            ),
        )

    def positions_by_project(self) -> Iterator[tuple[int, dict[tuple[int, str, str], int]]]:
        """Every non-zero position of a party (not a source), one project at a time in project
        order: (transfer, share, region) -> amount; those of a transfer no longer stored first,
        as project -1."""
        p = TransferPosition
        project = func.coalesce(Transfer.project_id, -1)
        stmt = (
            select(project, p.transfer_id, p.share, p.region, p.amount)
            .outerjoin(Transfer, Transfer.id == p.transfer_id)
            .where(p.amount != 0, ~p.region.startswith("@"))
            .order_by(project)
        )
        current: int | None = None
        out: dict[tuple[int, str, str], int] = {}
        for project_id, t, share, region, amount in raw.stream(self.session, stmt):
            if project_id != current:
                if current is not None:
                    yield current, out
                current, out = project_id, {}
            out[(t, share, region)] = amount
        if current is not None:
            yield current, out

    def stored_years(self) -> Iterator[tuple[int, str, str, int, str, int]]:
        """(transfer, share, region, year, book, amount) of every kept yearly position, streamed."""
        return raw.stream(
            self.session,
            select(
                PositionYear.transfer_id,
                PositionYear.share,
                PositionYear.region,
                PositionYear.year,
                PositionYear.book,
                PositionYear.amount,
            ),
        )

    def account_list(self) -> list[Any]:
        """(name, book, region, share, unit) of every account, party and source, by name."""
        stmt = select(
            LedgerAccount.name,
            LedgerAccount.book,
            LedgerAccount.region,
            LedgerAccount.share,
            LedgerAccount.unit,
        ).order_by(LedgerAccount.name)
        return list(self.session.execute(stmt))

    def first_through(self) -> int | None:
        """The earliest month any entry was posted through, or None for an empty ledger."""
        return self.session.scalar(select(func.min(LedgerEntry.through)))

    def orphan_postings(self) -> int:
        # NOT EXISTS, not NOT IN: PostgreSQL cannot hash a NOT IN over millions of entries and
        # would scan them once per posting
        entry = select(LedgerEntry.seq).where(LedgerEntry.seq == LedgerPosting.entry_seq)
        stmt = select(func.count()).select_from(LedgerPosting).where(~entry.exists())
        return int(self.session.scalar(stmt) or 0)


def current_agreement() -> Any:
    """A transfer's latest agreement revision (NULL when it has none: its own agreement holds)."""
    return (
        select(AgreementRevision.agreement)
        .where(AgreementRevision.transfer_id == Transfer.id)
        .order_by(AgreementRevision.revision.desc())
        .limit(1)
        .scalar_subquery()
    )


def _in_force(stmt: Select[Any], through: int) -> Select[Any]:
    """`stmt` kept to the transfers effective by `through` and not cancelled, in project and
    effective order (a project's last one is in force at `through`)."""
    return stmt.where(
        Transfer.effective <= through, Transfer.id.not_in(select(TransferCancellation.transfer_id))
    ).order_by(Transfer.project_id, Transfer.effective, Transfer.id)


def _actuals(
    dirty: Projects, through: int, project_id: int | None = None, span: Span | None = None
) -> Select[Any]:
    stmt = (
        select(Actual.project_id, Actual.metric, Actual.period, Actual.amount)
        .where(Actual.period <= through)
        .order_by(Actual.project_id)
    )
    stmt = raw.of_projects(stmt, Actual.project_id, dirty, span)
    if project_id is not None:
        stmt = stmt.where(Actual.project_id == project_id)
    return stmt
