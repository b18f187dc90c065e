"""The input journal's appends and reads, and the corrections' records, inside the caller's
unit of work. Appends take the ledger lock: inputs and settlement runs never interleave, so the
journal head a run records is exactly what it read."""

from collections.abc import Iterator, Sequence
from itertools import groupby, islice
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, func, null, select
from sqlalchemy.orm import Session

from pool.domain.records import (
    COLUMNS,
    COMPUTED,
    GENESIS,
    ImportDigest,
    canonical,
    record_hash,
    row_of,
    selected,
)
from pool.store import raw
from pool.store.journal_tables import AgreementRevision, InputRecord, TransferCancellation
from pool.store.ledger_tables import Actual, ActualRevision, PeriodClose, SettlementRun
from pool.store.locks import lock_ledger
from pool.store.models import Project, RulesetVersion, Transfer


def _table(kind: str) -> Table:
    tables = {
        "ruleset": RulesetVersion,
        "project": Project,
        "transfer": Transfer,
        "agreement": AgreementRevision,
        "cancel": TransferCancellation,
        "actual": ActualRevision,
        "close": PeriodClose,
    }
    return cast(Table, tables[kind].__table__)


def _by_import() -> Any:
    """Whether an actual revision's import has a record of its own (every import since imports
    were recorded whole; before, each revision had its own record)."""
    return ActualRevision.import_id.in_(select(InputRecord.ref).where(InputRecord.kind == "import"))


def _project_of(kind: str, table: Table) -> Any:
    """The column (or subquery) naming the project whose targets a row of `kind` can move."""
    if kind == "project":
        return table.c.id
    if kind in ("transfer", "actual"):
        return table.c.project_id
    if kind in ("agreement", "cancel"):
        return select(Transfer.project_id).where(Transfer.id == table.c.transfer_id).scalar_subquery()
    return None


class Journal:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._head: tuple[int, str] | None = None

    def head(self) -> tuple[int, str]:
        """(records, head hash) of the journal; (0, GENESIS) when empty."""
        row = self.session.execute(
            select(InputRecord.seq, InputRecord.hash).order_by(InputRecord.seq.desc()).limit(1)
        ).first()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS)

    def record(self, kind: str, ids: Sequence[int], reason: str | None = None) -> None:
        """Append a record of each row of `kind` with these ids, as stored now, in id order."""
        if ids:
            self.session.flush()
            self._append(kind, self._rows(kind, list(ids)), reason)

    def record_import(self, import_id: int) -> None:
        """Append the record of an actuals import: one for all the actual revisions it added."""
        self.session.flush()
        self._append("import", self._imports(ActualRevision.import_id == import_id), None)

    def record_all(self) -> int:
        """Append a record of every stored input row not recorded yet (rows written straight into
        the tables, as the bulk loaders of the benchmarks do); returns how many. Actual revisions
        are recorded by their import (`record_import`), not here."""
        before = self.head()[0]
        for kind in COLUMNS:
            if kind in ("actual", *COMPUTED):
                continue
            table = _table(kind)
            recorded = select(InputRecord.ref).where(InputRecord.kind == kind)
            stmt = self._select(kind).where(table.c.id.not_in(recorded)).order_by(table.c.id)
            self._append(kind, raw.stream(self.session, stmt), None)
        return self.head()[0] - before

    def _imports(self, where: Any) -> Iterator[tuple[Any, ...]]:
        """(import id, no project, *selected("import")) of each import with actual revisions
        `where` holds, built from those revisions, in import order."""
        for import_id, digest in sorted(self._digests(where).items()):
            yield (import_id, None, *digest.values())

    def _digests(self, where: Any) -> dict[int, ImportDigest]:
        r = _table("actual")
        stmt = select(r.c.import_id, r.c.id, *(r.c[c] for c in selected("actual"))).where(where)
        digests: dict[int, ImportDigest] = {}
        strings: dict[Any, str] = {}
        for batch in raw.batches(self.session, stmt.order_by(r.c.id)):
            for import_id, rows in groupby(batch, key=itemgetter(0)):
                digests.setdefault(import_id, ImportDigest()).add([row[1:] for row in rows], strings)
        return digests

    def _select(self, kind: str) -> Any:
        table = _table(kind)
        project = _project_of(kind, table)
        project_col = project if project is not None else null()
        return select(table.c.id, project_col, *(table.c[c] for c in selected(kind)))

    def _rows(self, kind: str, ids: list[int]) -> list[tuple[Any, ...]]:
        table = _table(kind)
        stmt = self._select(kind).where(table.c.id.in_(ids)).order_by(table.c.id)
        return [tuple(r) for r in self.session.execute(stmt)]

    def _append(self, kind: str, rows: Any, reason: str | None) -> None:
        lock_ledger(self.session, f"record {kind}")
        if self._head is None:
            self._head = self.head()
        seq, prev = self._head
        out: list[tuple[Any, ...]] = []
        for ref, project_id, *values in rows:
            body = canonical(row_of(kind, values), reason)
            seq += 1
            digest = record_hash(prev, seq, kind, ref, body)
            out.append((seq, kind, ref, project_id, body, prev, digest))
            prev = digest
            if len(out) >= raw.BATCH:
                self._insert(out)
                out = []
        self._insert(out)
        self._head = (seq, prev)

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            raw.insert(
                self.session,
                "input_journal",
                ("seq", "kind", "ref", "project_id", "body", "prev_hash", "hash"),
                rows,
            )

    # -- whole-journal reads (verify) -----------------------------------------------------------
    def records(self) -> Iterator[tuple[Any, ...]]:
        """(seq, kind, ref, body, prev_hash, hash, *stored) of every record in chain order,
        streamed; `stored` is, for a record of an actual revision, the revision's stored
        `selected("actual")` columns (all None when no such row is stored), and empty for the
        other kinds."""
        r = _table("actual")
        stmt = (
            select(
                InputRecord.seq,
                InputRecord.kind,
                InputRecord.ref,
                InputRecord.body,
                InputRecord.prev_hash,
                InputRecord.hash,
                *(r.c[c] for c in selected("actual")),
            )
            .outerjoin(r, (InputRecord.kind == "actual") & (r.c.id == InputRecord.ref))
            .order_by(InputRecord.seq)
        )
        for row in raw.stream(self.session, stmt):
            yield row if row[1] == "actual" else row[:6]

    def count(self, kind: str) -> int:
        """How many rows of `kind` are stored (of actual revisions, those recorded one by one:
        of imports with no record of their own)."""
        stmt = select(func.count()).select_from(_table(kind))
        if kind == "actual":
            stmt = stmt.where(~_by_import())
        return int(self.session.scalar(stmt) or 0)

    def run_heads(self) -> list[tuple[int, int | None, str | None]]:
        """(run, journal records, journal head) of every settlement run."""
        stmt = select(SettlementRun.id, SettlementRun.journal_seq, SettlementRun.journal_head).order_by(
            SettlementRun.id
        )
        return [(r[0], r[1], r[2]) for r in self.session.execute(stmt)]

    def recorded(self, kind: str) -> Iterator[tuple[Any, ...]]:
        """(ref, body) of every record of `kind`, in ref order (then chain order), streamed."""
        stmt = (
            select(InputRecord.ref, InputRecord.body)
            .where(InputRecord.kind == kind)
            .order_by(InputRecord.ref, InputRecord.seq)
        )
        return raw.stream(self.session, stmt)

    def actuals_as_of(self, seq: int, through: int) -> Iterator[tuple[int, dict[str, dict[int, int]]]]:
        """The actual revisions recorded at or before record `seq`, for periods through
        `through`, one project at a time: metric -> period -> the amount of its latest revision
        among them."""

        def by(kind: str) -> Any:
            return select(InputRecord.ref).where(InputRecord.kind == kind, InputRecord.seq <= seq)

        r = ActualRevision
        stmt = (
            select(r.project_id, r.metric, r.period, r.amount)
            .where(r.id.in_(by("actual")) | r.import_id.in_(by("import")), r.period <= through)
            .order_by(r.project_id, r.period, r.metric, r.revision)
        )
        return raw.by_project(raw.batches(self.session, stmt), latest=True)

    def stored(self, kind: str) -> Iterator[tuple[Any, ...]]:
        """(id, *selected(kind)) of every stored row of `kind`, streamed. An import's row is
        built from its actual revisions, for each import the journal has a record of; the
        revisions of the others are the stored actual revisions (recorded one by one)."""
        if kind == "import":
            return (values[:1] + values[2:] for values in self._imports(_by_import()))
        table = _table(kind)
        stmt = select(table.c.id, *(table.c[c] for c in selected(kind))).order_by(table.c.id)
        if kind == "actual":
            stmt = stmt.where(~_by_import())
        return raw.stream(self.session, stmt)

    def stale_actuals(self, limit: int = 5) -> list[tuple[int, int, str, str]]:
        """The first `limit` current actuals that are not their key's latest revision, then the
        first `limit` keys revised with no current value: (project, period, metric, why). Each
        condition is a query of its own, streamed and cut at the limit, so PostgreSQL plans it
        as one join over the whole tables rather than a lookup per row."""
        r, a = ActualRevision, Actual
        same = (r.project_id == a.project_id) & (r.period == a.period) & (r.metric == a.metric)
        found = select(a.project_id, a.period, a.metric, a.amount, a.revision).order_by(
            a.project_id, a.period, a.metric
        )
        unmatched = found.where(
            ~select(r.id).where(same, r.revision == a.revision, r.amount == a.amount).exists()
        )
        superseded = found.where(select(r.id).where(same, r.revision > a.revision).exists())
        stale = sorted(
            {row[:3]: row for stmt in (unmatched, superseded) for row in self._first(stmt, limit)}.values()
        )[:limit]
        out = [
            (p, period, metric, f"amount {amount} as revision {revision}")
            for p, period, metric, amount, revision in stale
        ]
        missing = (
            select(r.project_id, r.period, r.metric)
            .where(r.revision == 1, ~select(a.id).where(same).exists())
            .order_by(r.project_id, r.period, r.metric)
        )
        out += [(p, period, metric, "no current value") for p, period, metric in self._first(missing, limit)]
        return out

    def _first(self, stmt: Any, limit: int) -> list[tuple[Any, ...]]:
        return list(islice(raw.stream(self.session, stmt), limit))

    def project_hosts(self) -> list[tuple[int, str, str]]:
        """(project id, stored host, origin) of every project."""
        return [tuple(r) for r in self.session.execute(select(Project.id, Project.host, Project.origin))]

    def live_moves(self) -> list[tuple[int, int, int, str]]:
        """(project, effective, transfer id, to) of every transfer not cancelled."""
        cancelled = select(TransferCancellation.transfer_id)
        stmt = select(Transfer.project_id, Transfer.effective, Transfer.id, Transfer.to_region).where(
            Transfer.id.not_in(cancelled)
        )
        return [tuple(r) for r in self.session.execute(stmt)]

    # -- corrections -----------------------------------------------------------------------------
    def add_agreement_revision(self, revision: AgreementRevision) -> None:
        self.session.add(revision)

    def add_cancellation(self, cancellation: TransferCancellation) -> None:
        self.session.add(cancellation)

    def agreement_revisions(self, transfer_id: int) -> list[AgreementRevision]:
        stmt = (
            select(AgreementRevision)
            .where(AgreementRevision.transfer_id == transfer_id)
            .order_by(AgreementRevision.revision)
        )
        return list(self.session.scalars(stmt))

    def cancellation(self, transfer_id: int) -> TransferCancellation | None:
        stmt = select(TransferCancellation).where(TransferCancellation.transfer_id == transfer_id)
        return self.session.scalars(stmt).first()
