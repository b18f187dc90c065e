"""Corrections to transfers, kept in the open: a new agreement revision, or a cancellation.

Neither edits the transfer: each is a new record, audited and hash-chained in the input journal,
and the next settlement turns the change of targets into adjusting entries, as it does for a
restated actual.
"""

import json

from pool.domain import agreement_values
from pool.domain.errors import Conflict, InvalidInput
from pool.domain.text import typed_text
from pool.rules.agreement import resolve_agreement
from pool.services import commands, views
from pool.services.auth import require_role
from pool.services.claims import parse_agreement
from pool.services.commands import Note
from pool.services.facts import Rulesets
from pool.services.listings import MAX_TEXT
from pool.services.runtime import Runtime
from pool.store.journal_tables import AgreementRevision, TransferCancellation
from pool.store.models import Actor, Transfer
from pool.store.uow import UnitOfWork


def reason_text(reason: str | None, doing: str) -> str:
    text = typed_text(reason or "", "reason", multiline=True, limit=MAX_TEXT).strip()
    if not text:
        raise InvalidInput(f"{doing} needs a --reason, kept with the correction.")
    return text


def current_agreement(uow: UnitOfWork, t: Transfer) -> tuple[int, str]:
    """(revision, stored JSON) of a transfer's agreement in force: its latest revision."""
    revisions = uow.journal.agreement_revisions(t.id)
    if revisions:
        return revisions[-1].revision, revisions[-1].agreement
    return 1, t.agreement


def _transfer(uow: UnitOfWork, transfer_id: int, doing: str) -> Transfer:
    t = uow.transfers.get(transfer_id)
    if t is None:
        raise InvalidInput(f"There is no transfer {transfer_id}.")
    cancelled = uow.journal.cancellation(t.id)
    if cancelled is not None:
        raise Conflict(
            f"Transfer {transfer_id} was cancelled on {views.when(cancelled.at)}; a cancelled transfer "
            f"cannot be {doing}."
        )
    return t


def amend(rt: Runtime, transfer_id: int, *, agreement: list[str], reason: str | None) -> dict[str, object]:
    """A new agreement revision for the whole transfer: the values given replace the current
    ones, the others stay; checked against the pinned ruleset's declarations."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.detail = {"agreement": agreement, "reason": reason}
        require_role(actor, "city", doing="amend transfers")
        why = reason_text(reason, "An amendment")
        uow.lock_ledger(f"transfer amend by {actor.name}")
        given = parse_agreement(agreement)
        if not given:
            raise InvalidInput("Give the agreement values to change with --agreement KEY=VALUE.")
        t = _transfer(uow, transfer_id, "amended")
        revision, stored = current_agreement(uow, t)
        rules = Rulesets(uow).get(t.ruleset_version_id)
        values = resolve_agreement(rules, {**json.loads(stored), **given})
        text = json.dumps(agreement_values.encode(values), ensure_ascii=False)
        if json.loads(text) == json.loads(stored):
            raise InvalidInput(
                f"Transfer {transfer_id}'s agreement already has these values; nothing was changed."
            )
        record = AgreementRevision(
            transfer_id=t.id,
            revision=revision + 1,
            agreement=text,
            reason=why,
            actor_id=actor.id,
            at=rt.now(),
        )
        uow.journal.add_agreement_revision(record)
        uow.flush()
        uow.journal.record("agreement", [record.id], why)
        note.detail.update(revision=record.revision, before=json.loads(stored), after=json.loads(text))
        return show_one(uow, t)

    return commands.write(rt, "transfer.amend", body, target=f"transfer:{transfer_id}")


def cancel(rt: Runtime, transfer_id: int, *, reason: str | None) -> dict[str, object]:
    """Cancel a project's latest transfer: the project returns to its previous host, and the
    transfer's targets become zero, so the next settlement reverses what was posted for it."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.detail = {"reason": reason}
        require_role(actor, "city", doing="cancel transfers")
        why = reason_text(reason, "A cancellation")
        uow.lock_ledger(f"transfer cancel by {actor.name}")
        t = _transfer(uow, transfer_id, "cancelled again")
        project = uow.projects.by_id(t.project_id, lock=True)
        assert project is not None
        live = [
            m for m in uow.transfers.search(project_id=project.id) if uow.journal.cancellation(m.id) is None
        ]
        latest = max(live, key=lambda m: (m.effective, m.id))
        if latest.id != t.id:
            raise InvalidInput(
                f"Transfer {transfer_id} is not project {project.code}'s latest transfer (transfer "
                f"{latest.id} is); only the latest can be cancelled, so cancel that one first."
            )
        if uow.listings.open_for(project.id) is not None:
            raise InvalidInput(
                f"Project {project.code} has an open listing; withdraw it before cancelling its transfer."
            )
        record = TransferCancellation(transfer_id=t.id, reason=why, actor_id=actor.id, at=rt.now())
        uow.journal.add_cancellation(record)
        project.host = t.from_region
        uow.flush()
        uow.journal.record("cancel", [record.id], why)
        note.detail.update(project=project.code, host=t.from_region)
        return show_one(uow, t)

    return commands.write(rt, "transfer.cancel", body, target=f"transfer:{transfer_id}")


def show_one(
    uow: UnitOfWork, t: Transfer, *, revisions: bool = False, names: dict[str, str] | None = None
) -> dict[str, object]:
    """A transfer as shown: its agreement in force, its status, and, asked, every revision."""
    project = uow.projects.by_id(t.project_id)
    version = uow.rulesets.get(t.ruleset_version_id)
    assert project is not None and version is not None
    out = views.transfer(t, project, version, names if names is not None else views.names_of(uow))
    history = uow.journal.agreement_revisions(t.id)
    cancelled = uow.journal.cancellation(t.id)
    if history:
        out["agreement"] = agreement_values.display(json.loads(history[-1].agreement))
    out["revision"] = history[-1].revision if history else 1
    out["status"] = "cancelled" if cancelled else "in_force"
    out["cancelled"] = (
        None if cancelled is None else {"reason": cancelled.reason, "at": views.when(cancelled.at)}
    )
    if revisions:
        out["revisions"] = [
            {
                "revision": 1,
                "agreement": agreement_values.display(json.loads(t.agreement)),
                "reason": None,
                "at": views.when(t.approved_at),
            }
        ] + [
            {
                "revision": r.revision,
                "agreement": agreement_values.display(json.loads(r.agreement)),
                "reason": r.reason,
                "at": views.when(r.at),
            }
            for r in history
        ]
    return out
