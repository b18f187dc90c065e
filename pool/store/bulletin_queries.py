"""Set-based reads behind the bulletin: the registry's hosts and milestones, and the pool's
activity in a period, grouped in the database."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pool.store.journal_tables import TransferCancellation
from pool.store.models import Claim, Listing, Project, Transfer


class BulletinQueries:
    """The bulletin's queries, inside the caller's unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def hosts(self) -> dict[int, str]:
        """project id -> its current host."""
        return {pid: host for pid, host in self.session.execute(select(Project.id, Project.host))}

    def projects(self) -> list[Any]:
        """(stage, signed, construction_start, operation_start, registered_at) of every project."""
        stmt = select(
            Project.stage,
            Project.signed,
            Project.construction_start,
            Project.operation_start,
            Project.registered_at,
        )
        return list(self.session.execute(stmt))

    def counts(self, start: datetime, end: datetime) -> dict[str, int]:
        """Leads registered, listings opened and claims submitted in [start, end)."""

        def count(column: Any) -> int:
            stmt = select(func.count()).where(column >= start, column < end)
            return int(self.session.scalar(stmt) or 0)

        return {
            "leads": count(Project.registered_at),
            "listings": count(Listing.opened_at),
            "claims": count(Claim.submitted_at),
        }

    def transfers(self, first: int, last: int) -> list[Any]:
        """(chain, from, to, count) of the transfers effective in months first..last (a cancelled
        transfer never happened)."""
        stmt = (
            select(Project.chain, Transfer.from_region, Transfer.to_region, func.count())
            .join(Project, Project.id == Transfer.project_id)
            .where(
                Transfer.effective.between(first, last),
                Transfer.id.not_in(select(TransferCancellation.transfer_id)),
            )
            .group_by(Project.chain, Transfer.from_region, Transfer.to_region)
            .order_by(Project.chain, Transfer.from_region, Transfer.to_region)
        )
        return list(self.session.execute(stmt))
