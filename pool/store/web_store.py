"""Queries on the web front end's tables: sessions, failed sign-ins and preferences."""

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pool.store.web_tables import WebLoginFailure, WebPreference, WebSession


class WebSessions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: WebSession) -> None:
        self.session.add(row)

    def by_key_hash(self, key_hash: str) -> WebSession | None:
        return self.session.scalars(select(WebSession).where(WebSession.key_hash == key_hash)).first()

    def remove(self, row: WebSession) -> None:
        self.session.delete(row)

    def end_for_actor(self, actor_id: int) -> int:
        """Delete every session of the actor; the number deleted."""
        result = self.session.execute(delete(WebSession).where(WebSession.actor_id == actor_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def end_stale(self, *, idle_before: datetime, created_before: datetime) -> None:
        self.session.execute(
            delete(WebSession).where(
                (WebSession.seen_at < idle_before) | (WebSession.created_at < created_before)
            )
        )

    def count_for_actor(self, actor_id: int) -> int:
        stmt = select(func.count()).select_from(WebSession).where(WebSession.actor_id == actor_id)
        return self.session.scalar(stmt) or 0

    # failed sign-ins

    def add_failure(self, actor: str, address: str, at: datetime) -> None:
        self.session.add(WebLoginFailure(actor=actor, address=address, at=at))

    def failures_since(
        self, since: datetime, *, actor: str | None = None, address: str | None = None
    ) -> list[datetime]:
        """The times of failed sign-ins since `since` for the actor name or the address, oldest first."""
        stmt = select(WebLoginFailure.at).where(WebLoginFailure.at >= since)
        if actor is not None:
            stmt = stmt.where(WebLoginFailure.actor == actor)
        if address is not None:
            stmt = stmt.where(WebLoginFailure.address == address)
        return list(self.session.scalars(stmt.order_by(WebLoginFailure.at)))

    def forget_failures(self, *, actor: str, before: datetime) -> None:
        """Drop failures older than the window, and the actor's own after it signs in."""
        self.session.execute(delete(WebLoginFailure).where(WebLoginFailure.at < before))
        self.session.execute(delete(WebLoginFailure).where(WebLoginFailure.actor == actor))

    # preferences

    def preference(self, actor_id: int) -> WebPreference | None:
        return self.session.get(WebPreference, actor_id)

    def add_preference(self, row: WebPreference) -> None:
        self.session.add(row)
