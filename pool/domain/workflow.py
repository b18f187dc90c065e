"""Workflow states and transitions: project stages, listings, claims. Pure functions."""

from pool.domain.errors import Conflict, InvalidInput
from pool.domain.vocab import MILESTONES, STAGES

LISTING_STATES = ("open", "transferred", "withdrawn", "expired")
CLAIM_STATES = ("pending", "approved", "rejected", "withdrawn")
ROLES = ("county", "city", "policy", "auditor")
DEFAULT_DAYS, MAX_DAYS = 30, 366  # a listing's claim window

# The milestone a stage sets when a project reaches it.
STAGE_MILESTONE = {"signed": "signed", "started": "construction_start", "operating": "operation_start"}
_ORDER = {stage: n for n, stage in enumerate(STAGES)}


def check_stage_change(current: str, new: str) -> None:
    """Stages only move forward; `terminated` can be reached from any stage and is final."""
    if new not in _ORDER:
        raise InvalidInput(f"{new!r} is not a stage; use one of {', '.join(STAGES)}.")
    if current == "terminated" and new != "terminated":
        raise InvalidInput("The project is terminated; its stage can no longer change.")
    if new != "terminated" and _ORDER[new] < _ORDER[current]:
        raise InvalidInput(f"A project cannot go back from {current} to {new}; stages only move forward.")


def check_milestone(name: str) -> None:
    if name not in MILESTONES:
        raise InvalidInput(f"{name!r} is not a milestone; use one of {', '.join(MILESTONES)}.")


def check_can_list(stage: str) -> None:
    if stage == "terminated":
        raise InvalidInput("A terminated project cannot be listed in the pool.")


def check_listing_open(listing_id: int, status: str, action: str) -> None:
    """Claiming, approving or withdrawing needs an open listing; anything else is a conflict."""
    if status != "open":
        raise Conflict(f"Listing {listing_id} is {status}, not open; it can no longer be {action}.")


def check_claim_pending(claim_id: int, status: str, action: str) -> None:
    if status != "pending":
        raise Conflict(f"Claim {claim_id} is {status}, not pending; it can no longer be {action}.")
