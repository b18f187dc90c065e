"""Set-based import and reads of actuals.

An import streams the file's rows into a TEMP staging table in batches (executemany on SQLite,
COPY on PostgreSQL), resolves project codes to ids in SQL, finds every bad row with one query
over the staging table, and merges with INSERT … SELECT and UPDATE … FROM. No row of the file is
ever an ORM object, and the file is never held in memory.

A staged row changes its key when the key is new, its amount differs from the stored one, or its
note differs from the note of the stored revision. A file without a note column stages NULL
notes, which never differ: such a file says nothing about notes.
"""

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import String, bindparam, select, text
from sqlalchemy.orm import Session

from pool.store import raw
from pool.store.ledger_tables import Actual, ActualImport, ActualRevision
from pool.store.models import Actor, Project

STAGING = "actuals_staging"
BATCH = 10_000
_COLUMNS = ("row_no", "project", "period", "metric", "amount", "note", "problem")

# The key of a staged row in the stored actuals, and the stored revision of that key (its note).
_SAME_KEY = "a.project_id = s.project_id AND a.period = s.period AND a.metric = s.metric"
_STORED = (
    f"LEFT JOIN actuals a ON {_SAME_KEY} LEFT JOIN actual_revisions v ON v.project_id = a.project_id "
    "AND v.period = a.period AND v.metric = a.metric AND v.revision = a.revision"
)
# A stored key whose value or note the staged row would change (a NULL note never differs).
_RESTATES = "a.amount <> s.amount OR s.note <> v.note"


@dataclass(frozen=True)
class StagedProblem:
    """What the database found about one bad row; the service words it."""

    row: int
    problem: str | None  # the reader's own verdict on the row, if it had one
    project: str
    project_known: bool
    period: int
    metric: str
    metric_known: bool
    amount: int
    note: str | None  # None: the file has no note column
    repeats_row: int | None  # the first row with the same key, if this one repeats it
    stored_amount: int | None  # the stored value of the key, if any
    stored_revision: int | None
    stored_note: str | None
    closed_through: int | None  # the closed-through period, if a new value falls into it
    negative_refused: bool = False  # a negative amount of a metric that is not `signed`


class ActualsImport:
    """One import's staging table and merge, inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.postgres = raw.is_postgres(session)

    # -- staging ------------------------------------------------------------------------------
    def create_staging(self) -> None:
        if self.postgres:  # joins and sorts over a whole file in memory, bounded, this transaction only
            self._sql("SET LOCAL work_mem = '64MB'")
        self._sql(f"DROP TABLE IF EXISTS {'' if self.postgres else 'temp.'}{STAGING}")
        self._sql(
            f"CREATE TEMP TABLE {STAGING} (row_no INTEGER NOT NULL, project TEXT NOT NULL, "
            "project_id INTEGER, period INTEGER NOT NULL, metric TEXT NOT NULL, "
            "amount BIGINT NOT NULL, note TEXT, problem TEXT)" + (" ON COMMIT DROP" if self.postgres else "")
        )

    def load(self, rows: Iterable[tuple[Any, ...]], progress: Callable[[int], None] | None = None) -> int:
        """Stage `rows` (row_no, project, period, metric, amount, note, problem) in batches and
        resolve their project codes; returns how many were staged."""
        stream: Iterator[tuple[Any, ...]] = iter(rows)
        count = 0
        while batch := list(islice(stream, BATCH)):
            if self.postgres:
                raw.insert(self.session, STAGING, _COLUMNS, batch)
            else:
                # The driver's own executemany: SQLAlchemy's per-row parameter handling would
                # cost as much as reading the file. Project codes become ids as the rows go in.
                raw.driver(self.session).executemany(
                    f"INSERT INTO {STAGING} (row_no, project, project_id, period, metric, amount, "
                    "note, problem) VALUES (?1, ?2, (SELECT id FROM projects WHERE code = ?2), "
                    "?3, ?4, ?5, ?6, ?7)",
                    batch,
                )
            count += len(batch)
            if progress is not None:
                progress(count)
        if self.postgres:
            self._sql(
                f"UPDATE {STAGING} SET project_id = p.id FROM projects p WHERE p.code = {STAGING}.project"
            )
            self._sql(f"ANALYZE {STAGING}")
        return count

    # -- checks -------------------------------------------------------------------------------
    def problems(
        self, metrics: Collection[str], *, restate: bool, limit: int, signed: Collection[str] = ()
    ) -> tuple[int, list[StagedProblem]]:
        """Every bad row (the first `limit` of them in row order) and how many there are.

        Bad: the reader's verdict; an unknown project or metric; a negative amount of a metric not
        in `signed`; a key repeated in the file; and,
        unless restating, a different value or note for a stored key or a new value in a closed
        period.
        """
        unless_restating = "" if restate else f" OR {_RESTATES} OR (a.id IS NULL AND s.period <= c.through)"
        stmt = text(f"""
            WITH repeats AS (
                SELECT project, period, metric, MIN(row_no) AS first_row
                FROM {STAGING} WHERE problem IS NULL
                GROUP BY project, period, metric HAVING COUNT(*) > 1),
            closed AS (SELECT MAX(through) AS through FROM period_closes)
            SELECT s.row_no, s.problem, s.project, s.project_id, s.period, s.metric, s.amount,
                   s.note, CASE WHEN s.metric IN :metrics THEN 1 ELSE 0 END AS metric_known,
                   r.first_row, a.amount AS stored_amount, a.revision AS stored_revision,
                   v.note AS stored_note,
                   CASE WHEN s.problem IS NULL AND a.id IS NULL AND s.period <= c.through
                        THEN c.through END AS closed,
                   CASE WHEN s.amount < 0 AND s.metric NOT IN :signed THEN 1 ELSE 0 END AS unsigned,
                   COUNT(*) OVER () AS total
            FROM {STAGING} s
            CROSS JOIN closed c
            LEFT JOIN repeats r ON r.project = s.project AND r.period = s.period
                 AND r.metric = s.metric AND r.first_row < s.row_no
            {_STORED}
            WHERE s.problem IS NOT NULL OR s.project_id IS NULL OR s.metric NOT IN :metrics
                  OR (s.amount < 0 AND s.metric NOT IN :signed)
                  OR r.first_row IS NOT NULL{unless_restating}
            ORDER BY s.row_no
            LIMIT :limit""").bindparams(
            bindparam("metrics", expanding=True), bindparam("signed", expanding=True, type_=String())
        )
        values = {"metrics": sorted(metrics), "signed": sorted(signed), "limit": limit}
        found = self.session.execute(stmt, values).all()
        total = int(found[0].total) if found else 0
        return total, [
            StagedProblem(
                row=r.row_no,
                problem=r.problem,
                project=r.project,
                project_known=r.project_id is not None,
                period=r.period,
                metric=r.metric,
                metric_known=bool(r.metric_known),
                amount=r.amount,
                note=r.note,
                repeats_row=r.first_row,
                stored_amount=r.stored_amount,
                stored_revision=r.stored_revision,
                stored_note=r.stored_note,
                closed_through=r.closed,
                negative_refused=bool(r.unsigned) and bool(r.metric_known),
            )
            for r in found
        ]

    def changes_anything(self) -> bool:
        """Whether any staged row is a new key or a different value or note for a stored key."""
        stmt = text(f"SELECT 1 FROM {STAGING} s {_STORED} WHERE a.id IS NULL OR {_RESTATES} LIMIT 1")
        return self.session.execute(stmt).first() is not None

    # -- merge --------------------------------------------------------------------------------
    def add_import(
        self, *, actor_id: int, at: datetime, file_name: str, sha256: str, rows: int, reason: str | None
    ) -> ActualImport:
        record = ActualImport(
            actor_id=actor_id,
            at=at,
            file_name=file_name,
            sha256=sha256,
            rows=rows,
            added=0,
            restated=0,
            unchanged=0,
            reason=reason,
        )
        self.session.add(record)
        self.session.flush()
        return record

    def merge(self, record: ActualImport) -> None:
        """Append a revision for every new or changed key, then make the import's revisions
        current (revision n+1 updates its actual, revision 1 inserts one), and record the counts
        on the import."""
        params = {"import_id": record.id}
        revisions = self._sql(
            "INSERT INTO actual_revisions (project_id, period, metric, revision, amount, note, "
            "import_id) SELECT s.project_id, s.period, s.metric, COALESCE(a.revision, 0) + 1, "
            f"s.amount, COALESCE(s.note, ''), :import_id FROM {STAGING} s {_STORED} "
            f"WHERE a.id IS NULL OR {_RESTATES}",
            params,
        )
        restated = self._sql(
            "UPDATE actuals SET amount = r.amount, revision = r.revision, import_id = :import_id "
            "FROM actual_revisions r WHERE r.import_id = :import_id AND r.revision > 1 "
            "AND r.project_id = actuals.project_id AND r.period = actuals.period "
            "AND r.metric = actuals.metric",
            params,
        )
        added = self._sql(
            "INSERT INTO actuals (project_id, period, metric, amount, revision, import_id) "
            "SELECT r.project_id, r.period, r.metric, r.amount, 1, :import_id FROM actual_revisions r "
            "WHERE r.import_id = :import_id AND r.revision = 1",
            params,
        )
        assert added + restated == revisions, (added, restated, revisions)
        record.added, record.restated = added, restated
        record.unchanged = record.rows - added - restated

    def _sql(self, statement: str, params: dict[str, Any] | None = None) -> int:
        result = self.session.execute(text(statement), params or {})
        return int(getattr(result, "rowcount", 0) or 0)


class Actuals:
    """Reads of the stored actuals and their revisions, and the staged import, inside the
    caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def staging(self) -> ActualsImport:
        """A staged import into this unit of work's transaction."""
        return ActualsImport(self.session)

    def reported_in(self, period: int) -> set[tuple[int, str]]:
        """(project id, metric) of every current figure for `period`."""
        stmt = select(Actual.project_id, Actual.metric).where(Actual.period == period)
        return {(p, m) for p, m in self.session.execute(stmt)}

    def search(
        self, *, project: str | None = None, metric: str | None = None, period: int | None = None
    ) -> list[dict[str, Any]]:
        """Current values, in project, period and metric order."""
        stmt = (
            select(
                Actual.id,
                Project.code.label("project"),
                Actual.period,
                Actual.metric,
                Actual.amount,
                Actual.revision,
                Actual.import_id,
            )
            .join(Project, Project.id == Actual.project_id)
            .order_by(Project.code, Actual.period, Actual.metric)
        )
        stmt = _filtered(stmt, Actual, project, metric, period)
        return [dict(r._mapping) for r in self.session.execute(stmt)]

    def revisions(
        self, *, project: str | None = None, metric: str | None = None, period: int | None = None
    ) -> list[dict[str, Any]]:
        """Every revision with its note and the reason, actor and time of its import."""
        stmt = (
            select(
                ActualRevision.id,
                Project.code.label("project"),
                ActualRevision.period,
                ActualRevision.metric,
                ActualRevision.amount,
                ActualRevision.revision,
                ActualRevision.note,
                ActualImport.reason,
                Actor.name.label("actor"),
                ActualImport.at,
                ActualRevision.import_id,
            )
            .join(Project, Project.id == ActualRevision.project_id)
            .join(ActualImport, ActualImport.id == ActualRevision.import_id)
            .join(Actor, Actor.id == ActualImport.actor_id)
            .order_by(Project.code, ActualRevision.period, ActualRevision.metric, ActualRevision.revision)
        )
        stmt = _filtered(stmt, ActualRevision, project, metric, period)
        return [dict(r._mapping) for r in self.session.execute(stmt)]


def _filtered(stmt: Any, table: Any, project: str | None, metric: str | None, period: int | None) -> Any:
    if project is not None:
        stmt = stmt.where(Project.code == project)
    if metric is not None:
        stmt = stmt.where(table.metric == metric)
    if period is not None:
        stmt = stmt.where(table.period == period)
    return stmt
