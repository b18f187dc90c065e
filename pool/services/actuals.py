"""Actuals: importing a file all-or-nothing, and listing.

The import streams the file into a staging table and judges every row there, set-based; one bad
row refuses the whole file, and every bad row is named with its row number.
"""

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pool.domain.errors import InvalidInput
from pool.domain.money import format_amount
from pool.domain.months import format_month, parse_month
from pool.domain.text import shown, typed_text
from pool.files.actuals import read_actuals_rows
from pool.rules.loader import load_ruleset_text
from pool.rules.schema import Metric
from pool.services import commands, views
from pool.services.auth import require_role
from pool.services.commands import Note
from pool.services.listings import MAX_TEXT
from pool.services.runtime import Runtime
from pool.store.actuals_store import StagedProblem
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

MAX_SHOWN_ROWS = 100
RESTATE_HINT = "use --restate --reason TEXT to restate"


def published_metrics(uow: UnitOfWork) -> dict[str, Metric]:
    """The metrics the published rulesets declare (the newest declaration of each wins)."""
    metrics: dict[str, Metric] = {}
    for stored in uow.rulesets.versions():
        parsed = load_ruleset_text(stored.text, f"{stored.ruleset}@{stored.version}")
        metrics.update(parsed.metrics)
    return metrics


def metric_labels(metrics: dict[str, Metric]) -> dict[str, str]:
    """label -> metric code, for the labels that name one metric only (and are not codes)."""
    codes: dict[str, set[str]] = {}
    for code, metric in metrics.items():
        if metric.label:
            codes.setdefault(metric.label.strip(), set()).add(code)
    return {label: next(iter(c)) for label, c in codes.items() if len(c) == 1 and label not in metrics}


def import_file(
    rt: Runtime,
    path: str,
    *,
    restate: bool = False,
    reason: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Import an actuals file, all or nothing; the same values again change nothing. An XLSX
    workbook is read from `sheet`, or else its first visible sheet; a CSV file in `encoding`, or
    else UTF-8 or GB18030 as detected. Metrics may be named by their labels; total rows (合计,
    总计) are skipped and named in the result."""
    name = Path(path).name

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, Any]:
        note.detail = {"file": name, "restate": restate, "reason": reason}
        require_role(actor, "city", doing="import actuals")
        why = None if reason is None else typed_text(reason, "reason", multiline=True, limit=MAX_TEXT).strip()
        note.detail["reason"] = why
        if restate and not why:
            raise InvalidInput("A restatement needs a reason: give --reason TEXT with --restate.")
        uow.lock_ledger(f"actuals import by {actor.name}")
        metrics = published_metrics(uow)
        if not metrics:
            raise InvalidInput(
                "No ruleset is published, so no metric can be reported yet; "
                "publish one with `pool rules publish FILE` first."
            )
        digest = _sha256(path)
        note.detail["sha256"] = digest
        staging = uow.actuals.staging()
        staging.create_staging()
        try:
            rows = read_actuals_rows(path, sheet, encoding=encoding, metrics=metric_labels(metrics))
            note.detail["sheet"] = rows.sheet
            count = staging.load(rows, progress)
        except InvalidInput as exc:
            raise InvalidInput(f"{exc} Nothing was imported.") from None
        note.detail["formula_values"] = rows.formula_values
        if count == 0:
            raise InvalidInput(f"{name} has a header but no rows; nothing was imported.")
        signed = [m for m, decl in metrics.items() if decl.signed]
        total, found = staging.problems(metrics, restate=restate, limit=MAX_SHOWN_ROWS, signed=signed)
        if total:
            note.detail.update(rows=count, bad_rows=total)
            raise InvalidInput(_refusal(name, total, found, metrics, restate=restate))
        summary: dict[str, Any] = {
            "import": None,
            "file": name,
            "sha256": digest,
            "rows": count,
            "added": 0,
            "restated": 0,
            "unchanged": count,
            "reason": why,
            "changed": False,
            "sheet": rows.sheet,
            "formula_values": rows.formula_values,
            "formula_cells": rows.formula_cells,
            "encoding": rows.encoding,
            "skipped_totals": [{"row": n, "label": label} for n, label in rows.totals],
        }
        if staging.changes_anything():
            record = staging.add_import(
                actor_id=actor.id, at=rt.now(), file_name=name[:255], sha256=digest, rows=count, reason=why
            )
            staging.merge(record)
            uow.journal.record_import(record.id)
            summary.update(
                {
                    "import": record.id,
                    "added": record.added,
                    "restated": record.restated,
                    "unchanged": record.unchanged,
                    "changed": True,
                }
            )
            note.target = f"actual_import:{record.id}"
        note.detail.update({k: summary[k] for k in ("rows", "added", "restated", "unchanged")})
        return summary

    return commands.write(rt, "actuals.import", body, target=f"file:{name}")


def formula_notice(result: dict[str, Any]) -> str | None:
    """The sentence telling which imported values came from formulas, if any did."""
    count, cells = result["formula_values"], result["formula_cells"]
    if not count:
        return None
    if count == 1:
        return f"1 value came from a formula (its saved result was used): {cells[0]}."
    more = f" and {count - len(cells):,} more" if count > len(cells) else ""
    return f"{count:,} values came from formulas (their saved results were used): {', '.join(cells)}{more}."


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror or exc}; nothing was imported.") from None
    return digest.hexdigest()


def _refusal(
    name: str, total: int, found: list[StagedProblem], metrics: dict[str, Any], *, restate: bool
) -> str:
    rows = "1 bad row" if total == 1 else f"{total:,} bad rows"
    lines = [f"{name}: {rows}; nothing was imported."]
    lines += [f"  row {p.row}: {_problem(p, restate=restate)}" for p in found]
    if total > len(found):
        lines.append(f"  … and {total - len(found):,} more bad rows")
    if any(p.metric and not p.metric_known for p in found):
        lines.append(f"Metrics the published rulesets declare: {', '.join(sorted(metrics))}.")
    return "\n".join(lines)


def _problem(p: StagedProblem, *, restate: bool) -> str:
    """One sentence naming everything wrong with a row; with `restate`, changing a stored key or
    a closed period is not."""
    parts = [] if p.problem is None else [p.problem]
    if not p.project_known and p.project:
        parts.append(f"project {shown(p.project)} is not registered")
    if not p.metric_known and p.metric:
        parts.append(f"metric {shown(p.metric)} is not declared by a published ruleset")
    if p.problem is not None:
        return "; ".join(parts)
    if p.negative_refused:
        parts.append(
            f"amount: {format_amount(p.amount)} is negative; amounts may not be negative, except of a "
            f"metric its ruleset declares `signed: true` (refunds, 退库), and {p.metric} is not one"
        )
    if p.repeats_row is not None:
        parts.append(f"repeats the project, period and metric of row {p.repeats_row}")
    if restate:
        return "; ".join(parts)
    key = f"{p.project} {format_month(p.period)} {p.metric}"
    if p.stored_amount is not None and p.stored_amount != p.amount:
        parts.append(
            f"{key} is stored as {format_amount(p.stored_amount)} (revision "
            f"{p.stored_revision}); {format_amount(p.amount)} would restate it: "
            f"{RESTATE_HINT}"
        )
    elif p.stored_amount is not None and p.note is not None and p.note != p.stored_note:
        parts.append(
            f"{key} is stored as {format_amount(p.stored_amount)} (revision "
            f"{p.stored_revision}) with {_noted(p.stored_note)}; {_noted(p.note)} would restate "
            f"it: {RESTATE_HINT}"
        )
    if p.closed_through is not None:
        parts.append(
            f"{format_month(p.period)} is closed (periods through "
            f"{format_month(p.closed_through)} are); a new value there is a "
            f"restatement: {RESTATE_HINT}"
        )
    return "; ".join(parts)


def _noted(note: str | None) -> str:
    return f"the note {shown(note)}" if note else "no note"


def list_actuals(
    rt: Runtime,
    *,
    project: str | None = None,
    metric: str | None = None,
    period: str | None = None,
    revisions: bool = False,
) -> list[dict[str, Any]]:
    """Current values, or with `revisions` every value ever reported, with who and why."""
    month = parse_month(period) if period is not None else None

    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, Any]]:
        labels = {k: m.label for k, m in published_metrics(uow).items()}
        if revisions:
            found = uow.actuals.revisions(project=project, metric=metric, period=month)
            return [
                {
                    **_row(r, labels),
                    "note": r["note"],
                    "reason": r["reason"],
                    "actor": r["actor"],
                    "at": views.when(r["at"]),
                    "import": r["import_id"],
                }
                for r in found
            ]
        found = uow.actuals.search(project=project, metric=metric, period=month)
        return [_row(r, labels) for r in found]

    return commands.read(rt, body)


def _row(r: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "project": r["project"],
        "period": format_month(r["period"]),
        "metric": r["metric"],
        "metric_name": labels.get(r["metric"], ""),
        "amount": format_amount(r["amount"]),
        "revision": r["revision"],
    }
