"""The pool's default ruleset, with its history: each choice is a new row, never changed.

The default in force is the latest row; `claim approve` without `--ruleset` pins its version in
force in the effective month.
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pool.domain import lengths
from pool.store.base import Base


class DefaultRuleset(Base):
    """One choice of the pool's default ruleset id: who chose it and when."""

    __tablename__ = "default_rulesets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ruleset: Mapped[str] = mapped_column(String(lengths.RULESET_ID))
    set_by: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime)
