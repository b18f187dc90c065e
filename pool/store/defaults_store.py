"""Queries of the pool's default ruleset and its history."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from pool.store.default_tables import DefaultRuleset
from pool.store.models import Actor


class DefaultRulesets:
    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self) -> DefaultRuleset | None:
        stmt = select(DefaultRuleset).order_by(DefaultRuleset.id.desc()).limit(1)
        return self.session.scalars(stmt).first()

    def history(self) -> list[tuple[DefaultRuleset, str | None]]:
        """Every choice, oldest first, with the name of the actor who made it."""
        stmt = (
            select(DefaultRuleset, Actor.name)
            .outerjoin(Actor, Actor.id == DefaultRuleset.set_by)
            .order_by(DefaultRuleset.id)
        )
        return [(row, name) for row, name in self.session.execute(stmt).all()]

    def add(self, choice: DefaultRuleset) -> None:
        self.session.add(choice)
