"""Projects: registering a lead, listing and showing projects, advancing stages."""

import re
from dataclasses import dataclass

from pool.domain.errors import InvalidInput, PermissionDenied
from pool.domain.money import format_amount, parse_amount
from pool.domain.months import current_month, parse_month, require_not_future
from pool.domain.names import fold, fold_company, lead_key
from pool.domain.text import typed_text
from pool.domain.vocab import CAPITAL_SOURCES, KINDS, MILESTONES, STAGES
from pool.domain.workflow import STAGE_MILESTONE, check_milestone, check_stage_change
from pool.services import commands, views
from pool.services.auth import require_region, require_role
from pool.services.commands import Note
from pool.services.facts import Rulesets
from pool.services.runtime import Runtime
from pool.store.errors import UniqueViolation
from pool.store.models import Actor, Project
from pool.store.uow import UnitOfWork

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")


@dataclass(frozen=True)
class NewProject:
    code: str
    name: str
    investor: str
    chain: str
    kind: str
    investment: str
    capital_source: str
    origin: str | None = None
    fixed_assets: str | None = None  # planned fixed-asset investment, read by eligibility only


def check_code(code: str) -> None:
    if not _CODE.fullmatch(code):
        raise InvalidInput(
            f"{code!r} is not a project code; use up to 40 letters, digits, '_', "
            "'.' or '-', starting with a letter or digit, e.g. SL-2024-001."
        )


def _text(value: str, what: str) -> str:
    text = typed_text(value, what).strip()
    if not text:
        raise InvalidInput(f"The {what} may not be empty.")
    if len(text) > 200:
        raise InvalidInput(f"The {what} is longer than 200 characters.")
    return text


def add(rt: Runtime, new: NewProject) -> dict[str, object]:
    """Register a lead; the origin is the registering county (the city names one)."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.target = f"project:{new.code}"
        note.detail = {"name": new.name, "investor": new.investor, "origin": new.origin}
        require_role(actor, "county", "city", doing="register projects")
        origin = _origin(actor, new.origin)
        uow.lock_ledger(f"project add by {actor.name}")
        p = _validated(uow, new, origin)
        p.registered_by, p.registered_at = actor.id, rt.now()
        existing = same_lead(uow, p)
        if existing is not None:
            raise _duplicate_lead(existing)
        if uow.projects.by_code(new.code) is not None:
            raise InvalidInput(f"A project with code {new.code} already exists.")
        uow.projects.add(p)
        try:
            uow.flush()
        except UniqueViolation as exc:
            raise _raced(rt, new, exc) from None
        uow.journal.record("project", [p.id])
        note.detail["origin"] = origin
        return views.project(p, views.names_of(uow))

    return commands.write(rt, "project.add", body, target=f"project:{new.code}")


def _origin(actor: Actor, given: str | None) -> str:
    if actor.role == "county":
        assert actor.region is not None
        if given is not None and given != actor.region:
            raise PermissionDenied(
                f"{actor.name} registers leads for {actor.region} only; it may not register one for {given}."
            )
        return actor.region
    if given is None:
        raise InvalidInput("The city must name the county that found the project with --origin.")
    return given


def _validated(uow: UnitOfWork, new: NewProject, origin: str) -> Project:
    check_code(new.code)
    name, investor = _text(new.name, "project name"), _text(new.investor, "investor")
    if uow.regions.chain(new.chain) is None:
        codes = ", ".join(c.code for c in uow.regions.chains())
        raise InvalidInput(f"{new.chain!r} is not an industry chain; use one of {codes}.")
    if new.kind not in KINDS:
        raise InvalidInput(f"{new.kind!r} is not a kind of project; use one of {', '.join(KINDS)}.")
    if new.capital_source not in CAPITAL_SOURCES:
        raise InvalidInput(
            f"{new.capital_source!r} is not a capital source; use one of {', '.join(CAPITAL_SOURCES)}."
        )
    investment = parse_amount(new.investment)
    fixed_assets = None if new.fixed_assets is None else parse_amount(new.fixed_assets)
    if fixed_assets is not None and fixed_assets > investment:
        raise InvalidInput(
            f"The planned fixed assets {format_amount(fixed_assets)} exceed the planned investment "
            f"{format_amount(investment)}; fixed-asset investment is part of the investment."
        )
    region = uow.regions.get(origin)
    if region is None:
        raise InvalidInput(f"{origin!r} is not a region; see `pool region list`.")
    if region.level != "county":
        raise InvalidInput(f"{origin} is the city region; a project's origin is a county.")
    folded_investor, folded_name = lead_key(investor, name)
    return Project(
        code=new.code,
        name=name,
        investor=investor,
        lead_investor=folded_investor,
        lead_name=folded_name,
        chain=new.chain,
        kind=new.kind,
        planned_investment=investment,
        planned_fixed_assets=fixed_assets,
        capital_source=new.capital_source,
        origin=origin,
        host=origin,
        stage="planned",
    )


def same_lead(uow: UnitOfWork, p: Project, besides: int | None = None) -> Project | None:
    """The project registered first with the same lead as `p`: the same folded name and an
    investor that folds the same (registered before the folding learnt legal forms or not)."""
    for other in uow.projects.named(p.lead_name):
        if other.id != besides and fold_company(other.investor) == p.lead_investor:
            return other
    return None


def _duplicate_lead(existing: Project) -> InvalidInput:
    return InvalidInput(
        f"This lead is already registered as project {existing.code} by "
        f"{existing.origin}; a lead belongs to the first county that registered "
        "it."
    )


def _raced(rt: Runtime, new: NewProject, exc: UniqueViolation) -> InvalidInput:
    """Another registration committed first: say which, as the sequential check would have."""
    if exc.key == "projects.lead":
        with rt.uow() as uow:
            existing = uow.projects.by_lead(*lead_key(new.investor.strip(), new.name.strip()))
            if existing is not None:
                return _duplicate_lead(existing)
    return InvalidInput(f"A project with code {new.code} already exists.")


def list_projects(
    rt: Runtime,
    *,
    chain: str | None = None,
    host: str | None = None,
    stage: str | None = None,
    search: str | None = None,
) -> list[dict[str, object]]:
    """Projects, optionally those whose name or investor contains `search` (as typed, or folded
    as the duplicate-lead check folds them), so a clerk can look before registering."""

    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, object]]:
        text = None
        if search is not None:
            typed = typed_text(search, "search text").strip()
            if not typed:
                raise InvalidInput("The search text may not be empty.")
            text = (typed, fold(typed), fold_company(typed))
        names = views.names_of(uow)
        found = uow.projects.search(chain=chain, host=host, stage=stage, text=text)
        return [views.project(p, names) for p in found]

    return commands.read(rt, body)


def show(rt: Runtime, code: str) -> dict[str, object]:
    def body(uow: UnitOfWork, _actor: Actor) -> dict[str, object]:
        p = uow.projects.by_code(code)
        if p is None:
            raise InvalidInput(f"There is no project {code!r}.")
        names = views.names_of(uow)
        out = views.project(p, names)
        out["transfers"] = [
            {
                "id": t.id,
                "from": t.from_region,
                "to": t.to_region,
                "effective": views.month(t.effective),
                "status": "cancelled" if uow.journal.cancellation(t.id) else "in_force",
            }
            for t in uow.transfers.search(project_id=p.id)
        ]
        return out

    return commands.read(rt, body)


def stage(
    rt: Runtime,
    code: str,
    new_stage: str | None,
    *,
    month: str | None = None,
    milestones: dict[str, str] | None = None,
    reason: str | None = None,
) -> dict[str, object]:
    """Advance the stage (setting its milestone month), and/or set milestone months by hand.

    A milestone month that starts the sharing term of a transfer already settled moves only by
    the city office, with a reason: the host county owes the origin from that month on."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.detail = {"stage": new_stage, "month": month, "milestones": milestones or {}, "reason": reason}
        require_role(actor, "county", "city", doing="change a project's stage")
        uow.lock_ledger(f"project stage by {actor.name}")
        p = uow.projects.by_code(code, lock=True)
        if p is None:
            raise InvalidInput(f"There is no project {code!r}.")
        require_region(actor, p.host, doing=f"change the stage of {code}, hosted by {p.host}")
        if new_stage is None and not milestones:
            raise InvalidInput("Give a stage, a --milestone NAME=YYYY-MM, or both.")
        months = {name: parse_month(value) for name, value in (milestones or {}).items()}
        for name, value in months.items():
            check_milestone(name)
            require_not_future(value, rt.now(), f"the {name} month")
        before = {name: getattr(p, name) for name in MILESTONES}
        if new_stage is not None:
            _advance(uow, p, new_stage, month, rt)
        elif month is not None:
            raise InvalidInput("--month goes with a stage; use --milestone NAME=YYYY-MM alone.")
        for name, value in months.items():
            setattr(p, name, value)
        moved = [n for n in MILESTONES if before[n] is not None and getattr(p, n) != before[n]]
        _check_settled_terms(uow, actor, p, moved, reason)
        uow.journal.record("project", [p.id], (reason or "").strip() or None)
        return views.project(p, views.names_of(uow))

    return commands.write(rt, "project.stage", body, target=f"project:{code}")


def _check_settled_terms(
    uow: UnitOfWork, actor: Actor, p: Project, moved: list[str], reason: str | None
) -> None:
    """Moving a milestone that starts a settled transfer's sharing term is the city's, with a reason."""
    if not moved:
        return
    transfers = uow.transfers.search(project_id=p.id)
    posted = uow.ledger.posted_transfers([t.id for t in transfers])
    rulesets = Rulesets(uow)
    for t in transfers:
        starts = {s.term.milestone for s in rulesets.get(t.ruleset_version_id).shares if s.term}
        hit = [name for name in moved if name in starts]
        if not hit or t.id not in posted:
            continue
        what = f"The {hit[0]} month of {p.code} starts the sharing term of transfer {t.id}, which is settled"
        if actor.role != "city":
            raise PermissionDenied(
                f"{what}; only the city office may move it, with a reason. Ask the city office to change it."
            )
        if not (reason or "").strip():
            raise InvalidInput(f"{what}; give the --reason for moving it.")


def _advance(uow: UnitOfWork, p: Project, new_stage: str, month: str | None, rt: Runtime) -> None:
    if new_stage not in STAGES:
        raise InvalidInput(f"{new_stage!r} is not a stage; use one of {', '.join(STAGES)}.")
    check_stage_change(p.stage, new_stage)
    if new_stage == "terminated" and uow.listings.open_for(p.id) is not None:
        raise InvalidInput(
            f"Project {p.code} has an open listing; withdraw it before terminating the project."
        )
    milestone = STAGE_MILESTONE.get(new_stage)
    if milestone is not None:
        now = rt.now()
        chosen = parse_month(month) if month else current_month(now)
        require_not_future(chosen, now, f"the {milestone} month")
        setattr(p, milestone, chosen)
    elif month is not None:
        raise InvalidInput(f"The stage {new_stage} has no milestone month; drop --month.")
    p.stage = new_stage


@dataclass(frozen=True)
class ProjectEdit:
    """The facts `pool project edit` may change; None leaves one as it is."""

    name: str | None = None
    investor: str | None = None
    investment: str | None = None
    chain: str | None = None
    kind: str | None = None
    capital_source: str | None = None
    fixed_assets: str | None = None


EDITABLE = (
    "name",
    "investor",
    "planned_investment",
    "chain",
    "kind",
    "capital_source",
    "planned_fixed_assets",
)


def edit(rt: Runtime, code: str, changes: ProjectEdit, *, reason: str | None) -> dict[str, object]:
    """Correct a project's facts, keeping every revision in the input journal: the host county
    while no transfer of the project is in force, the city always. The duplicate-lead check runs
    again; the next settlement adjusts whatever the new facts change."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.detail = {k: v for k, v in vars(changes).items() if v is not None}
        note.detail["reason"] = reason
        require_role(actor, "county", "city", doing="edit projects")
        why = typed_text(reason or "", "reason", multiline=True, limit=2000).strip()
        if not why:
            raise InvalidInput("An edit needs a --reason, kept with the project's revision.")
        if all(v is None for v in vars(changes).values()):
            raise InvalidInput(
                "Give at least one of --name, --investor, --investment, --chain, --kind, --capital-source, "
                "--fixed-assets."
            )
        uow.lock_ledger(f"project edit by {actor.name}")
        p = uow.projects.by_code(code, lock=True)
        if p is None:
            raise InvalidInput(f"There is no project {code!r}.")
        require_region(actor, p.host, doing=f"edit project {code}, hosted by {p.host}")
        moved = [t for t in uow.transfers.search(project_id=p.id) if uow.journal.cancellation(t.id) is None]
        if actor.role != "city" and moved:
            raise PermissionDenied(
                f"Project {code} has moved (transfer {moved[-1].id}); only the city office may edit it now."
            )
        new = _edited(uow, p, changes)
        before = {k: getattr(p, k) for k in EDITABLE}
        after = {k: getattr(new, k) for k in EDITABLE}
        if before == after:
            raise InvalidInput(f"Project {code} already has these facts; nothing was changed.")
        existing = same_lead(uow, new, besides=p.id)
        if existing is not None:
            raise _duplicate_lead(existing)
        for key in (*EDITABLE, "lead_investor", "lead_name"):
            setattr(p, key, getattr(new, key))
        try:
            uow.flush()
        except UniqueViolation:
            raise InvalidInput(
                f"Another project registered this lead a moment ago; {code} was not changed."
            ) from None
        uow.journal.record("project", [p.id], why)
        note.detail.update(
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
        return views.project(p, views.names_of(uow))

    return commands.write(rt, "project.edit", body, target=f"project:{code}")


def _edited(uow: UnitOfWork, p: Project, changes: ProjectEdit) -> Project:
    """The project's facts with the changes applied and checked as a registration checks them."""
    given = NewProject(
        code=p.code,
        name=changes.name if changes.name is not None else p.name,
        investor=changes.investor if changes.investor is not None else p.investor,
        chain=changes.chain if changes.chain is not None else p.chain,
        kind=changes.kind if changes.kind is not None else p.kind,
        investment=changes.investment
        if changes.investment is not None
        else format_amount(p.planned_investment),
        capital_source=changes.capital_source if changes.capital_source is not None else p.capital_source,
        fixed_assets=changes.fixed_assets
        if changes.fixed_assets is not None
        else None
        if p.planned_fixed_assets is None
        else format_amount(p.planned_fixed_assets),
    )
    return _validated(uow, given, p.origin)
