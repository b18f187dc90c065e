"""The tables of the web front end: signed-in sessions, failed sign-ins (for the limit) and each
actor's page preferences. Only the web layer's services read and write them."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pool.store.base import Base


class WebSession(Base):
    """A signed-in browser: the cookie holds a random key, stored here only as its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(200))  # the actor's token hash at sign-in
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    seen_at: Mapped[datetime] = mapped_column(DateTime)
    previous_visit: Mapped[datetime | None] = mapped_column(DateTime)  # the last visit before it


class WebLoginFailure(Base):
    """A refused sign-in, counted per actor name and per client address for the limit."""

    __tablename__ = "web_login_failures"
    __table_args__ = (Index("ix_web_login_failures_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class WebPreference(Base):
    """An actor's page language and when it last visited the pages."""

    __tablename__ = "web_preferences"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(10))
    last_visit: Mapped[datetime | None] = mapped_column(DateTime)
