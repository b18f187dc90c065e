"""The engine's targets computed from scratch from what is stored: the tests' independent oracle
for the ledger (stored transfers, pinned ruleset texts, agreements and actuals)."""

import functools
import json
from collections import defaultdict

from sqlalchemy import Engine, text

from pool.domain import agreement_values
from pool.rules.engine import settle_project
from pool.rules.facts import ProjectFacts, TransferFacts
from pool.rules.loader import load_ruleset_text
from pool.rules.schema import Ruleset

Snapshot = dict[int, dict[str, dict[int, int]]]  # project id -> metric -> period -> fen
Key = tuple[int, str, str, str]  # transfer, share, book, region


@functools.cache
def parsed(stored_text: str, source: str) -> Ruleset:
    """A published version's stored text, parsed once per session (the text is immutable)."""
    return load_ruleset_text(stored_text, source)


def stored_actuals(engine: Engine) -> Snapshot:
    """Every current actual (all periods, all projects), as the engine reads them."""
    actuals: Snapshot = defaultdict(lambda: defaultdict(dict))
    with engine.connect() as conn:
        for project_id, metric, period, amount in conn.execute(
            text("SELECT project_id, metric, period, amount FROM actuals")
        ):
            actuals[project_id][metric][period] = amount
    return actuals


def targets_from_scratch(
    engine: Engine, through: int | None, actuals: Snapshot | None = None
) -> dict[Key, int]:
    """(transfer, share, book, region) -> the engine's cumulative target through `through`, from
    the stored transfers and `actuals` (by default every actual stored now)."""
    if through is None:
        return {}
    actuals = stored_actuals(engine) if actuals is None else actuals
    with engine.connect() as conn:
        city = conn.execute(text("SELECT code FROM regions WHERE level = 'city'")).scalar_one()
        versions = {
            i: parsed(t, f"{r}@{v}")
            for i, r, v, t in conn.execute(text("SELECT id, ruleset, version, text FROM ruleset_versions"))
        }
        projects = {}
        for row in conn.execute(
            text(
                "SELECT id, planned_investment, kind, capital_source, signed, construction_start,"
                " operation_start, full_capacity FROM projects"
            )
        ).mappings():
            milestones = {
                k: row[k]
                for k in ("signed", "construction_start", "operation_start", "full_capacity")
                if row[k] is not None
            }
            projects[row["id"]] = ProjectFacts(
                row["planned_investment"], row["kind"], row["capital_source"], milestones
            )
        transfers: dict[int, list[TransferFacts]] = defaultdict(list)
        for row in conn.execute(
            text(
                "SELECT id, project_id, from_region, to_region, effective, ruleset_version_id,"
                " agreement FROM transfers ORDER BY id"
            )
        ).mappings():
            agreement = agreement_values.decode(json.loads(row["agreement"]))
            transfers[row["project_id"]].append(
                TransferFacts(
                    row["from_region"],
                    row["to_region"],
                    row["effective"],
                    versions[row["ruleset_version_id"]],
                    agreement,
                    row["id"],
                )
            )
    out: dict[Key, int] = {}
    for project_id, moves in transfers.items():
        targets, _ = settle_project(projects[project_id], moves, actuals.get(project_id, {}), through, city)
        for t in targets:
            key = (t.transfer, t.share, t.book, t.region)
            assert key not in out
            out[key] = t.amount
    return out
