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


Facts = tuple[dict[int, ProjectFacts], list[dict[str, object]]]  # projects, transfers in force


def stored_facts(engine: Engine) -> Facts:
    """The projects' facts and the transfers in force (not cancelled), each with its latest
    agreement revision, as stored now."""
    with engine.connect() as conn:
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
        amended = {
            t: a
            for t, a in conn.execute(
                text("SELECT transfer_id, agreement FROM agreement_revisions ORDER BY transfer_id, revision")
            )
        }
        transfers = [
            {**row, "agreement": amended.get(row["id"], row["agreement"])}
            for row in conn.execute(
                text(
                    "SELECT id, project_id, from_region, to_region, effective, ruleset_version_id,"
                    " agreement FROM transfers WHERE id NOT IN (SELECT transfer_id FROM "
                    "transfer_cancellations) ORDER BY id"
                )
            ).mappings()
        ]
    return projects, transfers


def targets_from_scratch(
    engine: Engine, through: int | None, actuals: Snapshot | None = None, facts: Facts | None = None
) -> dict[Key, int]:
    """(transfer, share, book, region) -> the engine's cumulative target through `through`, from
    `facts` (by default the projects and transfers in force stored now, with their latest
    agreements) and `actuals` (by default every actual stored now)."""
    if through is None:
        return {}
    actuals = stored_actuals(engine) if actuals is None else actuals
    projects, rows = stored_facts(engine) if facts is None else facts
    with engine.connect() as conn:
        city = conn.execute(text("SELECT code FROM regions WHERE level = 'city'")).scalar_one()
        versions = {
            i: parsed(t, f"{r}@{v}")
            for i, r, v, t in conn.execute(text("SELECT id, ruleset, version, text FROM ruleset_versions"))
        }
    transfers: dict[int, list[TransferFacts]] = defaultdict(list)
    for row in rows:
        agreement = agreement_values.decode(json.loads(str(row["agreement"])))
        transfers[int(str(row["project_id"]))].append(
            TransferFacts(
                str(row["from_region"]),
                str(row["to_region"]),
                int(str(row["effective"])),
                versions[int(str(row["ruleset_version_id"]))],
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
