"""Claims: counties bid for open listings; the city approves one or rejects them."""

import json

from pool.domain import agreement_values
from pool.domain.errors import Conflict, InvalidInput, PermissionDenied
from pool.domain.months import format_month, parse_month, require_not_future
from pool.domain.text import typed_text
from pool.domain.workflow import check_claim_pending, check_listing_open
from pool.rules.agreement import resolve_agreement
from pool.rules.engine import party_problem
from pool.services import commands, views
from pool.services.auth import require_role
from pool.services.commands import Note
from pool.services.listings import MAX_TEXT
from pool.services.rulesets import declared, default_ruleset, in_force
from pool.services.runtime import Runtime
from pool.store.errors import UniqueViolation
from pool.store.models import Actor, Claim, Transfer
from pool.store.uow import UnitOfWork


def submit(rt: Runtime, listing_id: int, *, note_text: str = "") -> dict[str, object]:
    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.detail = {"listing": listing_id, "note": note_text}
        require_role(actor, "county", doing="claim listings")
        region = actor.region  # kept: a failed flush expires the loaded objects
        assert region is not None
        item = uow.listings.lock_shared(listing_id)
        if item is None:
            raise InvalidInput(f"There is no listing {listing_id}.")
        if item.region == region:
            raise InvalidInput(
                f"Listing {listing_id} is {region}'s own; a host cannot claim its own listing."
            )
        check_listing_open(item.id, views.listing_status(item, rt.now()), "claimed")
        if uow.claims.pending(item.id, region):
            raise _twice(listing_id, region)
        claim = Claim(
            listing_id=item.id,
            claimant=region,
            note=typed_text(note_text, "note", multiline=True, limit=MAX_TEXT).strip(),
            status="pending",
            submitted_by=actor.id,
            submitted_at=rt.now(),
        )
        uow.claims.add(claim)
        try:
            uow.flush()
        except UniqueViolation:
            raise _twice(listing_id, region) from None
        note.target = f"claim:{claim.id}"
        return views.claim(claim, views.names_of(uow))

    return commands.write(rt, "claim.submit", body, target=f"listing:{listing_id}")


def _twice(listing_id: int, region: str) -> InvalidInput:
    return InvalidInput(
        f"{region} already has a pending claim on listing {listing_id}; one "
        "pending claim per county per listing."
    )


def withdraw(rt: Runtime, claim_id: int) -> dict[str, object]:
    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        require_role(actor, "county", doing="withdraw claims")
        claim = _claim(uow, claim_id, lock=True)
        if claim.claimant != actor.region:
            raise _not_yours(actor, claim)
        check_claim_pending(claim.id, claim.status, "withdrawn")
        claim.status, claim.decided_at, claim.decided_by = "withdrawn", rt.now(), actor.id
        return views.claim(claim, views.names_of(uow))

    return commands.write(rt, "claim.withdraw", body, target=f"claim:{claim_id}")


def _not_yours(actor: Actor, claim: Claim) -> Exception:
    return PermissionDenied(f"Claim {claim.id} is {claim.claimant}'s; {actor.name} may not withdraw it.")


def _claim(uow: UnitOfWork, claim_id: int, *, lock: bool = False) -> Claim:
    claim = uow.claims.get(claim_id, lock=lock)
    if claim is None:
        raise InvalidInput(f"There is no claim {claim_id}.")
    return claim


def reject(rt: Runtime, claim_id: int, *, reason: str) -> dict[str, object]:
    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.detail = {"reason": reason}
        require_role(actor, "city", doing="reject claims")
        text = typed_text(reason, "reason", multiline=True, limit=MAX_TEXT).strip()
        if not text:
            raise InvalidInput("A rejection needs a --reason.")
        claim = _claim(uow, claim_id, lock=True)
        check_claim_pending(claim.id, claim.status, "rejected")
        claim.status, claim.decided_at, claim.decided_by = "rejected", rt.now(), actor.id
        claim.decision_reason = text
        return views.claim(claim, views.names_of(uow))

    return commands.write(rt, "claim.reject", body, target=f"claim:{claim_id}")


def parse_agreement(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{pair!r} is not an agreement value; write KEY=VALUE, e.g. origin_share=40%.")
        if key.strip() in values:
            raise InvalidInput(f"The agreement value {key.strip()} is given twice.")
        values[key.strip()] = value.strip()
    return values


def _check_after_last_move(uow: UnitOfWork, project_id: int, code: str, month: int) -> None:
    """A project's transfers, ordered by effective month, must be its chain of hosts, so a move
    cannot take effect before the project's last one did."""
    moves = [t for t in uow.transfers.search(project_id=project_id) if uow.journal.cancellation(t.id) is None]
    latest = max((t.effective for t in moves), default=None)
    if latest is not None and month < latest:
        raise InvalidInput(
            f"{format_month(month)} is before {format_month(latest)}, when "
            f"project {code} last moved; a transfer takes effect in that month "
            "or later."
        )


def approve(
    rt: Runtime, claim_id: int, *, effective: str, agreement: list[str], ruleset: str | None = None
) -> dict[str, object]:
    """Approve a pending claim: pin the ruleset in force, record the transfer, move the host."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.detail = {"effective": effective, "agreement": agreement, "ruleset": ruleset}
        require_role(actor, "city", doing="approve claims")
        pinned = ruleset or default_ruleset(uow)
        note.detail["ruleset"] = pinned
        month = parse_month(effective)
        require_not_future(month, rt.now(), "a transfer's effective month")
        # A run recomputes the transfers approved since the run before it; an approval that
        # committed while a run was under way would be seen by neither.
        uow.lock_ledger(f"claim approve by {actor.name}")
        raw = parse_agreement(agreement)
        claim = _claim(uow, claim_id)
        found = uow.listings.get(claim.listing_id)
        assert found is not None
        project = uow.projects.by_id(found.project_id, lock=True)
        item = uow.listings.get(claim.listing_id, lock=True)
        assert project is not None and item is not None
        listing_id = item.id
        claim = uow.claims.get(claim_id, lock=True) or claim
        check_claim_pending(claim.id, claim.status, "approved")
        now = rt.now()
        check_listing_open(item.id, views.listing_status(item, now), "approved")
        _check_after_last_move(uow, project.id, project.code, month)
        version, rules = in_force(uow, pinned, month)
        values = resolve_agreement(rules, raw)
        earlier = sorted(uow.transfers.search(project_id=project.id), key=lambda t: (t.effective, t.id))
        problem = party_problem(rules, [t.from_region for t in earlier] + [project.host], claim.claimant)
        if problem:
            raise InvalidInput(problem)
        transfer = Transfer(
            project_id=project.id,
            listing_id=item.id,
            claim_id=claim.id,
            from_region=project.host,
            to_region=claim.claimant,
            effective=month,
            ruleset_version_id=version.id,
            agreement=json.dumps(agreement_values.encode(values), ensure_ascii=False),
            approved_by=actor.id,
            approved_at=now,
        )
        claim.status, claim.decided_at, claim.decided_by = "approved", now, actor.id
        for other in uow.claims.pending(item.id, lock=True):
            if other.id != claim.id:
                other.status, other.decided_at, other.decided_by = "rejected", now, actor.id
                other.decision_reason = f"claim {claim.id} was approved"
        item.status, item.closed_at = "transferred", now
        project.host = claim.claimant
        uow.transfers.add(transfer)
        try:
            uow.flush()
        except UniqueViolation:
            raise Conflict(
                f"Listing {listing_id} was transferred a moment ago by another approval."
            ) from None
        uow.journal.record("transfer", [transfer.id])
        note.target = f"claim:{claim.id}"
        note.detail["transfer"] = transfer.id
        return views.transfer(transfer, project, version, views.names_of(uow))

    return commands.write(rt, "claim.approve", body, target=f"claim:{claim_id}")


def list_claims(
    rt: Runtime, *, claimant: str | None = None, status: str | None = None
) -> list[dict[str, object]]:
    """Claims, oldest first, each with its listing's project; any role may read them."""

    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, object]]:
        names = views.names_of(uow)
        out = []
        for c in uow.claims.search(claimant=claimant, status=status):
            row = views.claim(c, names)
            listing = uow.listings.get(c.listing_id)
            project = uow.projects.by_id(listing.project_id) if listing is not None else None
            row["project"] = project.code if project is not None else None
            row["project_name"] = project.name if project is not None else None
            out.append(row)
        return out

    return commands.read(rt, body)


def agreement_form(
    rt: Runtime, claim_id: int, *, effective: str | None = None, ruleset: str | None = None
) -> dict[str, object]:
    """What an approval of the claim may agree: the values the ruleset in force in the effective
    month (this month by default) declares, with their types, defaults, bounds and labels."""

    def body(uow: UnitOfWork, actor: Actor) -> dict[str, object]:
        require_role(actor, "city", doing="approve claims")
        claim = _claim(uow, claim_id)
        pinned = ruleset or default_ruleset(uow)
        month = parse_month(effective) if effective else parse_month(rt.now().strftime("%Y-%m"))
        version, rules = in_force(uow, pinned, month)
        return {
            "claim": views.claim(claim, views.names_of(uow)),
            "ruleset": pinned,
            "version": version.version,
            "effective": format_month(month),
            "values": declared(rules),
        }

    return commands.read(rt, body)
