"""Signing in to the pages: the actor's token checked once, then a server-side session.

The browser's cookie holds only a random key; the database keeps its SHA-256, so a copy of the
database signs nobody in. Each session carries its own CSRF token, ends when idle or old, on
sign-out, and as soon as the actor is revoked or given a new token. Failed sign-ins are limited
per actor name and per client address, and audited like every refused command.
"""

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pool.domain.errors import Conflict, InvalidInput, PermissionDenied
from pool.services import commands
from pool.services.auth import Principal, acting, authenticate
from pool.services.commands import Note
from pool.services.runtime import Runtime
from pool.store.errors import Retryable, UniqueViolation
from pool.store.models import Actor
from pool.store.uow import UnitOfWork
from pool.store.web_tables import WebPreference, WebSession

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


@dataclass(frozen=True)
class Limits:
    """How long a session lives, and how many failed sign-ins a window allows."""

    idle: timedelta = timedelta(hours=2)  # an office morning with a long meeting in it
    absolute: timedelta = timedelta(hours=12)  # one working day, then sign in again
    window: timedelta = timedelta(minutes=15)
    per_actor: int = 5
    per_address: int = 20


class TooManyAttempts(PermissionDenied):
    """Too many failed sign-ins: refused without checking the token, for `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Signed:
    """A session as a request sees it: who acts, the CSRF token, the page language, and when
    the actor last visited before this session began."""

    key: str  # the cookie's value; only its hash is stored
    principal: Principal
    csrf: str
    locale: str
    previous_visit: datetime | None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def sign_in(
    rt: Runtime, name: str, token: str, *, address: str, limits: Limits, ended: str | None = None
) -> Signed:
    """Check the token once and open a new session; `ended` is a session key the browser
    already held, which is ended (never kept: a key set before sign-in is not trusted)."""
    now = rt.now()
    name = name.strip()
    with rt.uow() as uow:
        since = now - limits.window
        _check_limit(uow.web.failures_since(since, actor=name), limits.per_actor, now, limits, "this actor")
        _check_limit(
            uow.web.failures_since(since, address=address), limits.per_address, now, limits, "this address"
        )
    try:
        with rt.uow() as uow:  # scrypt outside any write lock
            proven = Principal.of(authenticate(uow, name, token))
    except PermissionDenied as exc:
        with rt.uow(write=True) as uow:
            uow.web.add_failure(name[:100], address[:64], now)
            uow.commit()
        commands.record_failure(rt, name or None, None, "web.login", Note(None, {"address": address}), exc)
        raise
    for attempt in range(1, commands.RETRIES + 1):
        try:
            return _open(rt, proven, address=address, limits=limits, ended=ended, now=now)
        except (UniqueViolation, Retryable):  # the same actor signing in twice at once, first time
            if attempt == commands.RETRIES:
                raise Conflict("Another sign-in of the same actor got in the way; sign in again.") from None
    raise AssertionError("unreachable")


def _open(
    rt: Runtime, proven: Principal, *, address: str, limits: Limits, ended: str | None, now: datetime
) -> Signed:
    with rt.uow(write=True) as uow:
        actor = acting(uow, proven)  # revoked or given a new token a moment ago: refused
        if ended:
            old = uow.web.by_key_hash(_hash(ended))
            if old is not None:
                uow.web.remove(old)
        key, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        pref = uow.web.preference(actor.id)
        if pref is None:
            pref = WebPreference(actor_id=actor.id, locale=DEFAULT_LOCALE, last_visit=None)
            uow.web.add_preference(pref)
            uow.flush()  # a first sign-in racing another: UniqueViolation, and a retry
        previous = pref.last_visit
        pref.last_visit = now
        uow.web.add(
            WebSession(
                key_hash=_hash(key),
                actor_id=actor.id,
                token_hash=actor.token_hash,
                csrf=csrf,
                created_at=now,
                seen_at=now,
                previous_visit=previous,
            )
        )
        uow.web.end_stale(idle_before=now - limits.idle, created_before=now - limits.absolute)
        uow.web.forget_failures(actor=proven.name, before=now - limits.window)
        uow.audit.append(
            at=now,
            actor=actor.name,
            role=actor.role,
            action="web.login",
            target=None,
            outcome="ok",
            detail={"address": address},
        )
        uow.commit()
        return Signed(key, Principal.of(actor), csrf, pref.locale, previous)


def _check_limit(failures: list[datetime], allowed: int, now: datetime, limits: Limits, who: str) -> None:
    if len(failures) < allowed:
        return
    free_at = failures[-allowed] + limits.window
    wait = max(1, math.ceil((free_at - now).total_seconds()))
    minutes = -(-wait // 60)
    raise TooManyAttempts(
        f"Too many failed sign-ins for {who}; try again in {minutes} minute{'s' if minutes > 1 else ''}.",
        wait,
    )


def refuse_limited(rt: Runtime, name: str, address: str, exc: TooManyAttempts) -> None:
    """Audit a sign-in refused by the limit (the token was not checked)."""
    commands.record_failure(
        rt, name or None, None, "web.login", Note(None, {"address": address, "limited": True}), exc
    )


def resume(rt: Runtime, key: str | None, *, limits: Limits) -> Signed | None:
    """The session whose key the browser sent, if it is still alive; an expired session, or one
    whose actor was revoked or given a new token since, is ended and None returned."""
    if not key:
        return None
    now = rt.now()
    with rt.uow() as uow:
        row = uow.web.by_key_hash(_hash(key))
        if row is None:
            return None
        actor = uow.actors.get(row.actor_id)
        alive = (
            actor is not None
            and actor.revoked_at is None
            and actor.token_hash == row.token_hash
            and row.seen_at > now - limits.idle
            and row.created_at > now - limits.absolute
        )
        stale = row.seen_at < now - timedelta(minutes=1)
        pref = uow.web.preference(row.actor_id)
        locale = pref.locale if pref is not None else DEFAULT_LOCALE
        signed = (
            Signed(key, Principal.of(actor), row.csrf, locale, row.previous_visit)
            if alive and actor is not None
            else None
        )
    if signed is None:
        sign_out(rt, key)
        return None
    if stale:  # the idle clock moves at most once a minute: most requests write nothing
        with rt.uow(write=True) as uow:
            row = uow.web.by_key_hash(_hash(key))
            if row is not None:
                row.seen_at = now
            uow.commit()
    return signed


def sign_out(rt: Runtime, key: str | None) -> None:
    if not key:
        return
    with rt.uow(write=True) as uow:
        row = uow.web.by_key_hash(_hash(key))
        if row is not None:
            uow.web.remove(row)
        uow.commit()


def end_sessions_of(rt: Runtime, actor_id: int) -> int:
    with rt.uow(write=True) as uow:
        ended = uow.web.end_for_actor(actor_id)
        uow.commit()
    return ended


def set_locale(rt: Runtime, signed: Signed, locale: str) -> None:
    """The actor's page language, kept across sessions."""
    if locale not in LOCALES:
        raise InvalidInput(f"Unknown language {locale!r}; one of {', '.join(LOCALES)}.")

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> None:
        pref = uow.web.preference(actor.id)
        if pref is None:
            uow.web.add_preference(WebPreference(actor_id=actor.id, locale=locale, last_visit=None))
        else:
            pref.locale = locale
        note.detail = {"locale": locale}

    commands.write(rt.acting_as(signed.principal), "web.language", body)


def verify_basic(rt: Runtime, name: str, token: str) -> Principal:
    """An HTTP API request's actor, proven by its token (PermissionDenied if not)."""
    with rt.uow() as uow:
        return Principal.of(authenticate(uow, name, token))


def who(rt: Runtime) -> Principal:
    """The runtime's actor as stored now (refused if revoked or given a new token)."""
    return commands.read(rt, lambda _uow, actor: Principal.of(actor))
