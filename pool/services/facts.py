"""Stored transfers, projects and published rulesets turned into the engine's facts."""

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from pool.domain import agreement_values
from pool.domain.errors import InvalidInput
from pool.domain.vocab import MILESTONES
from pool.rules.agreement import resolve_agreement
from pool.rules.facts import ProjectFacts, TransferFacts
from pool.rules.loader import load_ruleset_text
from pool.rules.schema import Ruleset
from pool.store.uow import UnitOfWork


class Rulesets:
    """Published ruleset versions, parsed once each from their stored text."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._parsed: dict[int, Ruleset] = {}

    def get(self, version_id: int) -> Ruleset:
        if version_id not in self._parsed:
            stored = self.uow.rulesets.get(version_id)
            assert stored is not None
            check_text(stored.ruleset, stored.version, stored.text, stored.sha256)
            self._parsed[version_id] = parsed(stored.ruleset, stored.version, stored.text, stored.sha256)
        return self._parsed[version_id]

    def sensitive(self) -> list[int]:
        """Versions whose results can change with the settled period alone, with no new actuals:
        a floor or an extension (judged when a year completes) or a term from a milestone."""
        out = []
        for stored in self.uow.rulesets.versions():
            shares = self.get(stored.id).shares
            if any(
                s.floor or (s.term and (s.term.extend_years_if_cap_unmet or s.term.milestone)) for s in shares
            ):
                out.append(stored.id)
        return out


# published texts parsed once a process: keyed by the hash their text was just checked against, so
# a text changed in the database (and its hash with it) is parsed anew, never served from here
_PARSED: dict[tuple[str, str, str], Ruleset] = {}


def parsed(ruleset: str, version: str, text: str, sha256: str) -> Ruleset:
    """A published text, checked by `check_text`, as the engine reads it."""
    key = (ruleset, version, sha256)
    found = _PARSED.get(key)
    if found is None:
        found = _PARSED[key] = load_ruleset_text(text, f"{ruleset} {version}")
    return found


def check_text(ruleset: str, version: str, text: str, sha256: str) -> None:
    """A published text is applied only while it still has the hash it was published with."""
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha256:
        raise InvalidInput(
            f"The stored text of ruleset {ruleset} version {version} no longer matches the sha256 it "
            "was published with; it was changed in the database, so it is not applied. Run "
            "`pool ledger verify` and restore the database from a backup."
        )


def project_facts(row: Any) -> ProjectFacts:
    milestones = {name: getattr(row, name) for name in MILESTONES if getattr(row, name) is not None}
    return ProjectFacts(
        row.planned_investment,
        row.kind,
        row.capital_source,
        milestones,
        getattr(row, "planned_fixed_assets", None),
    )


def group_transfers(
    rows: Iterable[Any], rulesets: Rulesets, ruleset_override: dict[str, Ruleset] | None = None
) -> dict[int, tuple[ProjectFacts, list[TransferFacts]]]:
    """Transfer rows (with project columns) grouped per project, as engine facts.

    `ruleset_override` maps a ruleset id to a draft used instead of the pinned version.
    """
    out: dict[int, tuple[ProjectFacts, list[TransferFacts]]] = {}
    decoded: dict[str, dict[str, Any]] = {}  # most transfers share a few standard agreements
    for row in rows:
        ruleset = rulesets.get(row.ruleset_version_id)
        agreement = decoded.get(row.agreement)
        if agreement is None:
            agreement = decoded[row.agreement] = agreement_values.decode(json.loads(row.agreement))
        if ruleset_override and ruleset.ruleset in ruleset_override:
            ruleset = ruleset_override[ruleset.ruleset]
            agreement = resolve_agreement(ruleset, agreement_values.encode(agreement))
        facts = TransferFacts(row.from_region, row.to_region, row.effective, ruleset, agreement, row.id)
        if row.project_id not in out:
            out[row.project_id] = (project_facts(row), [])
        out[row.project_id][1].append(facts)
    return out
