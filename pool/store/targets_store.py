"""Targets and assessment schemes: appended, never changed; the current target is the latest row."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pool.store.models import Actor
from pool.store.target_tables import AssessmentScheme, TargetValue


class Targets:
    """Reads and appends of targets and schemes inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            self.session.add(TargetValue(**row))

    def current(
        self, year: int | None = None, indicator: str | None = None
    ) -> dict[tuple[str, str, int], int]:
        """(region, indicator, year) -> amount of the latest value of each target."""
        return {(r[0], r[1], r[2]): r[3] for r in self.listing(year=year, indicator=indicator)}

    def listing(
        self, *, year: int | None = None, indicator: str | None = None, history: bool = False
    ) -> list[Any]:
        """(region, indicator, year, amount, set_by name, set_at, source, current) per target value,
        the latest only unless `history`; ordered by year, indicator, region, then oldest first."""
        latest = select(
            TargetValue.region, TargetValue.indicator, TargetValue.year, func.max(TargetValue.id).label("id")
        ).group_by(TargetValue.region, TargetValue.indicator, TargetValue.year)
        if year is not None:
            latest = latest.where(TargetValue.year == year)
        if indicator is not None:
            latest = latest.where(TargetValue.indicator == indicator)
        newest = latest.subquery()
        is_current = TargetValue.id.in_(select(newest.c.id))
        stmt = (
            select(
                TargetValue.region,
                TargetValue.indicator,
                TargetValue.year,
                TargetValue.amount,
                Actor.name,
                TargetValue.set_at,
                TargetValue.source,
                is_current.label("current"),
            )
            .join(Actor, Actor.id == TargetValue.set_by)
            .order_by(TargetValue.year, TargetValue.indicator, TargetValue.region, TargetValue.id)
        )
        if year is not None:
            stmt = stmt.where(TargetValue.year == year)
        if indicator is not None:
            stmt = stmt.where(TargetValue.indicator == indicator)
        if not history:
            stmt = stmt.where(is_current)
        return list(self.session.execute(stmt))

    # -- assessment schemes -------------------------------------------------------------------
    def schemes(self, scheme: str | None = None) -> list[AssessmentScheme]:
        stmt = select(AssessmentScheme).order_by(AssessmentScheme.scheme, AssessmentScheme.id)
        if scheme is not None:
            stmt = stmt.where(AssessmentScheme.scheme == scheme)
        return list(self.session.scalars(stmt))

    def scheme(self, scheme: str, version: str) -> AssessmentScheme | None:
        stmt = select(AssessmentScheme).where(
            AssessmentScheme.scheme == scheme, AssessmentScheme.version == version
        )
        return self.session.scalars(stmt).first()

    def scheme_by_sha(self, sha256: str) -> AssessmentScheme | None:
        stmt = select(AssessmentScheme).where(AssessmentScheme.sha256 == sha256)
        return self.session.scalars(stmt).first()

    def add_scheme(
        self,
        *,
        scheme: str,
        version: str,
        title: str,
        year: int,
        text: str,
        sha256: str,
        published_by: int,
        published_at: datetime,
    ) -> AssessmentScheme:
        row = AssessmentScheme(
            scheme=scheme,
            version=version,
            title=title,
            year=year,
            text=text,
            sha256=sha256,
            published_by=published_by,
            published_at=published_at,
        )
        self.session.add(row)
        return row
