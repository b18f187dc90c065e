"""Running a service: prove who acts, do the work in one unit of work, and audit every attempt.

A state-changing command that fails changes nothing (its unit of work rolls back) and is then
audited in a transaction of its own, so denials and refusals are on record too.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pool.domain.errors import Conflict, InvalidInput, PermissionDenied, PoolError
from pool.services.auth import acting, authenticate
from pool.services.runtime import Runtime
from pool.store.errors import Retryable, UniqueViolation
from pool.store.models import Actor
from pool.store.uow import UnitOfWork

T = TypeVar("T")


@dataclass
class Note:
    """What the audit row says about the object acted on; the service fills it in as it learns."""

    target: str | None = None
    detail: dict[str, object] = field(default_factory=dict)


def outcome_of(exc: Exception) -> str:
    if isinstance(exc, PermissionDenied):
        return "denied"
    if isinstance(exc, Conflict):
        return "conflict"
    if isinstance(exc, InvalidInput):
        return "invalid"
    return "failed"


RETRIES = 3


def write(
    rt: Runtime, action: str, body: Callable[[UnitOfWork, Actor, Note], T], target: str | None = None
) -> T:
    """Run `body` as the authenticated actor in a write unit of work; audit the outcome.

    A serialization failure or deadlock rolls the whole unit of work back, so it is run again
    from the start, a few times, before the conflict is reported.
    """
    for attempt in range(1, RETRIES):
        try:
            return _attempt(rt, action, body, target, final=False)
        except Retryable:
            time.sleep(0.05 * attempt * random.random())
    return _attempt(rt, action, body, target, final=True)


def _attempt(
    rt: Runtime, action: str, body: Callable[[UnitOfWork, Actor, Note], T], target: str | None, *, final: bool
) -> T:
    note = Note(target)
    role: str | None = None
    try:
        with rt.uow(write=True) as uow:
            actor = _actor(rt, uow)
            role = actor.role
            result = body(uow, actor, note)
            uow.flush()
            uow.audit.append(
                at=rt.now(),
                actor=actor.name,
                role=actor.role,
                action=action,
                target=note.target,
                outcome="ok",
                detail=note.detail,
            )
            uow.commit()
        return result
    except Retryable as exc:
        if final:
            record_failure(rt, _claimed(rt), role, action, note, exc)
        raise
    except UniqueViolation as exc:
        error: PoolError = Conflict(f"Another change created the same {exc.key} first; nothing was changed.")
        record_failure(rt, _claimed(rt), role, action, note, error)
        raise error from None
    except PoolError as exc:
        record_failure(rt, _claimed(rt), role, action, note, exc)
        raise
    except Exception as exc:  # a defect or an input nothing foresaw: on record all the same
        record_failure(rt, _claimed(rt), role, action, note, exc)
        raise


def record_failure(
    rt: Runtime, actor: str | None, role: str | None, action: str, note: Note, exc: Exception
) -> None:
    """Audit a failed attempt in its own transaction; a database that cannot be written (it is
    unreachable, or holds no pool) records nothing, and that failure is not the one to report."""
    error = str(exc) if isinstance(exc, PoolError) else f"internal error ({type(exc).__name__}: {exc})"
    try:
        with rt.uow(write=True) as uow:
            uow.audit.append(
                at=rt.now(),
                actor=actor,
                role=role,
                action=action,
                target=note.target,
                outcome=outcome_of(exc),
                detail={**note.detail, "error": error},
            )
            uow.commit()
    except Exception:
        pass


def read(rt: Runtime, body: Callable[[UnitOfWork, Actor], T]) -> T:
    """Run `body` as the authenticated actor in a read-only unit of work."""
    with rt.uow() as uow:
        return body(uow, _actor(rt, uow))


def _claimed(rt: Runtime) -> str | None:
    """The actor an attempt is made as, proven or not, for its audit row."""
    return rt.principal.name if rt.principal is not None else rt.settings.actor


def _actor(rt: Runtime, uow: UnitOfWork) -> Actor:
    """Who acts: the runtime's principal as stored now, or the actor its settings name, proven
    by the token."""
    if rt.principal is not None:
        return acting(uow, rt.principal)
    return authenticate(uow, rt.settings.actor, rt.settings.token)
