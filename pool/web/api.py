"""The HTTP API under /api/v1: HTTP Basic with the actor's name and token, JSON bodies equal to the
command line's `--format json` output of the same command, and errors as
`{"error": SENTENCE, "code": …}` with the status the CLI's exit code maps to."""

import contextlib
import hashlib
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile as StarletteUpload

from pool.domain.errors import PermissionDenied
from pool.ledger import journal
from pool.services import (
    actors,
    actuals,
    assessment,
    audit,
    bulletin,
    claims,
    explain,
    export,
    listings,
    periods,
    projects,
    regions,
    reports,
    rulesets,
    settlement,
    transfers,
    verify,
    web_sessions,
)
from pool.services.auth import Principal
from pool.services.commands import Note, record_failure
from pool.services.runtime import Runtime
from pool.web.errors import Malformed, Unauthenticated

router = APIRouter(prefix="/api/v1", tags=["pool"])
basic = HTTPBasic(auto_error=False, realm="pool")

Row = dict[str, Any]


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


class Verified:
    """Credentials proven recently, so a client's every request does not pay scrypt again (about
    0.1 s). Only the proof is remembered, keyed by a digest of name and token: every unit of work
    still reloads the actor (`acting`), so a revocation or a new token stops it at once."""

    TTL = 300.0
    SIZE = 4096

    def __init__(self) -> None:
        self._proven: dict[bytes, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(name: str, token: str) -> bytes:
        return hashlib.sha256(f"{name}\0{token}".encode()).digest()

    def get(self, name: str, token: str) -> Principal | None:
        with self._lock:
            found = self._proven.get(self._key(name, token))
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def put(self, name: str, token: str, principal: Principal) -> None:
        with self._lock:
            if len(self._proven) >= self.SIZE:
                self._proven.clear()
            self._proven[self._key(name, token)] = (principal, time.monotonic() + self.TTL)


def caller(action: str | None = None) -> Callable[..., Runtime]:
    """A dependency proving the request's actor by HTTP Basic; for a state-changing route
    (`action`), a failed proof is audited as that action, as the command line does."""

    def dependency(
        request: Request, credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)]
    ) -> Runtime:
        rt = _runtime(request)
        verified: Verified = request.app.state.verified
        name = credentials.username if credentials else None
        try:
            if credentials is None:
                raise Unauthenticated(
                    "No credentials given; send the actor name and token with HTTP Basic "
                    "(curl -u ACTOR:TOKEN)."
                )
            principal = verified.get(credentials.username, credentials.password)
            if principal is None:
                principal = web_sessions.verify_basic(rt, credentials.username, credentials.password)
                verified.put(credentials.username, credentials.password, principal)
        except PermissionDenied as exc:
            if action is not None:
                record_failure(rt, name, None, action, Note(), exc)
            raise Unauthenticated(str(exc)) from None
        return rt.acting_as(principal)

    return dependency


Reader = Annotated[Runtime, Depends(caller())]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Me(BaseModel):
    actor: str
    role: str
    region: str | None


class ErrorBody(BaseModel):
    error: str = Field(description="The sentence the command line would print.")
    code: str = Field(description="unauthenticated, denied, invalid, conflict or malformed")


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "malformed request"),
        (401, "no or wrong credentials"),
        (403, "the actor may not do this"),
        (409, "the object is no longer in a state that allows it"),
        (422, "invalid input; nothing changed"),
    )
}


@router.get("/me", response_model=Me, responses=ERRORS)
def me(rt: Reader) -> Me:
    p = web_sessions.who(rt)  # proven as stored now: a revoked actor is refused
    return Me(actor=p.name, role=p.role, region=p.region)


@router.get("/regions", responses=ERRORS)
def region_list(rt: Reader) -> list[Row]:
    return regions.list_regions(rt)


# projects


class NewProject(Body):
    code: str
    name: str
    investor: str
    chain: str
    kind: str
    investment: str = Field(description='yuan, at most two decimals, e.g. "350000000"')
    capital_source: str
    origin: str | None = None


class StageChange(Body):
    stage: str | None = None
    month: str | None = Field(None, description="YYYY-MM")
    milestones: dict[str, str] | None = None
    reason: str | None = None


@router.get("/projects", responses=ERRORS)
def project_list(
    rt: Reader,
    chain: str | None = None,
    host: str | None = None,
    stage: str | None = None,
    search: str | None = None,
) -> list[Row]:
    return projects.list_projects(rt, chain=chain, host=host, stage=stage, search=search)


@router.get("/projects/{code}", responses=ERRORS)
def project_show(rt: Reader, code: str) -> Row:
    return projects.show(rt, code)


@router.post("/projects", status_code=201, responses=ERRORS)
def project_add(rt: Annotated[Runtime, Depends(caller("project.add"))], body: NewProject) -> Row:
    return projects.add(rt, projects.NewProject(**body.model_dump()))


@router.post("/projects/{code}/stage", responses=ERRORS)
def project_stage(
    rt: Annotated[Runtime, Depends(caller("project.stage"))], code: str, body: StageChange
) -> Row:
    return projects.stage(
        rt, code, body.stage, month=body.month, milestones=body.milestones or {}, reason=body.reason
    )


# listings and claims


class NewListing(Body):
    project: str
    reason: str
    needs: dict[str, str] | None = None
    days: int | None = None


class NewClaim(Body):
    note: str = ""


class Approval(Body):
    effective: str = Field(description="YYYY-MM")
    agreement: dict[str, str] | None = None
    ruleset: str | None = None


class Rejection(Body):
    reason: str


def _pairs(values: dict[str, str] | None) -> list[str]:
    return [f"{k}={v}" for k, v in (values or {}).items()]


@router.get("/listings", responses=ERRORS)
def listing_list(
    rt: Reader,
    status: str | None = None,
    chain: str | None = None,
    min_investment: str | None = None,
    project: str | None = None,
) -> list[Row]:
    return listings.list_listings(
        rt, status=status, chain=chain, min_investment=min_investment, project=project
    )


@router.get("/listings/{listing_id}", responses=ERRORS)
def listing_show(rt: Reader, listing_id: int) -> Row:
    return listings.show(rt, listing_id)


@router.post("/listings", status_code=201, responses=ERRORS)
def listing_open(rt: Annotated[Runtime, Depends(caller("listing.open"))], body: NewListing) -> Row:
    extra = {"days": body.days} if body.days is not None else {}
    return listings.open_listing(rt, body.project, reason=body.reason, needs=_pairs(body.needs), **extra)


@router.post("/listings/{listing_id}/withdraw", responses=ERRORS)
def listing_withdraw(rt: Annotated[Runtime, Depends(caller("listing.withdraw"))], listing_id: int) -> Row:
    return listings.withdraw(rt, listing_id)


@router.get("/claims", responses=ERRORS)
def claim_list(rt: Reader, claimant: str | None = None, status: str | None = None) -> list[Row]:
    return claims.list_claims(rt, claimant=claimant, status=status)


@router.post("/listings/{listing_id}/claims", status_code=201, responses=ERRORS)
def claim_submit(
    rt: Annotated[Runtime, Depends(caller("claim.submit"))], listing_id: int, body: NewClaim | None = None
) -> Row:
    return claims.submit(rt, listing_id, note_text=body.note if body else "")


@router.post("/claims/{claim_id}/withdraw", responses=ERRORS)
def claim_withdraw(rt: Annotated[Runtime, Depends(caller("claim.withdraw"))], claim_id: int) -> Row:
    return claims.withdraw(rt, claim_id)


@router.post("/claims/{claim_id}/approve", status_code=201, responses=ERRORS)
def claim_approve(
    rt: Annotated[Runtime, Depends(caller("claim.approve"))], claim_id: int, body: Approval
) -> Row:
    return claims.approve(
        rt, claim_id, effective=body.effective, agreement=_pairs(body.agreement), ruleset=body.ruleset
    )


@router.post("/claims/{claim_id}/reject", responses=ERRORS)
def claim_reject(
    rt: Annotated[Runtime, Depends(caller("claim.reject"))], claim_id: int, body: Rejection
) -> Row:
    return claims.reject(rt, claim_id, reason=body.reason)


# transfers and explain


@router.get("/transfers", responses=ERRORS)
def transfer_list(rt: Reader, project: str | None = None) -> list[Row]:
    return transfers.list_transfers(rt, project=project)


@router.get("/transfers/{transfer_id}", responses=ERRORS)
def transfer_show(rt: Reader, transfer_id: int) -> Row:
    return transfers.show(rt, transfer_id)


@router.get("/transfers/{transfer_id}/explain", responses=ERRORS)
def transfer_explain(
    rt: Reader, transfer_id: int, through: str | None = None, share: str | None = None
) -> Row:
    return explain.as_data(explain.explain(rt, transfer_id, through, share))


# actuals and settlement


@router.post("/actuals", responses=ERRORS)
def actuals_import(
    rt: Annotated[Runtime, Depends(caller("actuals.import"))],
    file: Annotated[UploadFile, File()],
    restate: Annotated[bool, Form()] = False,
    reason: Annotated[str | None, Form()] = None,
    sheet: Annotated[str | None, Form()] = None,
) -> Row:
    return import_upload(rt, file, restate=restate, reason=reason, sheet=sheet)


def import_upload(
    rt: Runtime, upload: StarletteUpload, *, restate: bool, reason: str | None, sheet: str | None = None
) -> Row:
    """Import an uploaded actuals file, as `pool actuals import` does the file it is given."""
    if reason is not None and not reason.strip():
        raise Malformed("The reason may not be empty.")
    if restate and reason is None:
        raise Malformed("restate needs a reason saying why the values change.")
    with uploaded(upload, "actuals.csv") as path:
        return actuals.import_file(rt, str(path), restate=restate, reason=reason, sheet=sheet or None)


@contextlib.contextmanager
def uploaded(upload: StarletteUpload, default: str) -> Iterator[Path]:
    """An uploaded file stored under its own base name in a private directory, removed after."""
    name = Path(upload.filename or default).name or default
    with tempfile.TemporaryDirectory(prefix="pool-upload-") as folder:
        path = Path(folder) / name
        with path.open("wb") as handle:
            while chunk := upload.file.read(1 << 20):
                handle.write(chunk)
        yield path


@router.get("/actuals", responses=ERRORS)
def actuals_list(
    rt: Reader, project: str | None = None, period: str | None = None, metric: str | None = None
) -> list[Row]:
    rows = actuals.list_actuals(rt, project=project, metric=metric, period=period)
    return [{k: v for k, v in r.items() if k != "metric_name"} for r in rows]


class Settlement(Body):
    period: str = Field(description="YYYY-MM")


@router.post("/settlements", responses=ERRORS)
def settle(rt: Annotated[Runtime, Depends(caller("settle"))], body: Settlement) -> Row:
    return settlement.settle(rt, body.period)


# reports and the ledger

BALANCE_KEYS = ("book", "region", "share", "unit", "amount")


@router.get("/reports/balances", responses=ERRORS)
def report_balances(
    rt: Reader, book: str | None = None, region: str | None = None, share: str | None = None
) -> list[Row]:
    rows = reports.balances(rt, book=book, region=region, share=share)
    return [{k: r[k] for k in BALANCE_KEYS} for r in rows]


@router.get("/reports/payables", responses=ERRORS)
def report_payables(rt: Reader, year: int) -> list[Row]:
    return reports.payables(rt, year)


@router.get("/reports/statement/{region}", responses=ERRORS)
def report_statement(rt: Reader, region: str, year: int) -> Row:
    return reports.statement(rt, region, year)


@router.get("/reports/bulletin", responses=ERRORS)
def report_bulletin(rt: Reader, period: str) -> Row:
    """The bulletin of a month (2025-05), a quarter (2025Q2) or a year (2025), as `pool report
    bulletin --period P --format json` prints it."""
    return bulletin.bulletin(rt, period)


@router.get("/reports/assessment", responses=ERRORS)
def report_assessment(rt: Reader, year: int, scheme: str) -> Row:
    """Each county's score under a published scheme (ID or ID@VERSION), as `pool report
    assessment --year Y --scheme ID --format json` prints it."""
    return assessment.assessment(rt, year, scheme, drafts=False)


@router.get("/ledger/verify", responses=ERRORS)
def ledger_verify(rt: Reader, deep: bool = False) -> Row:
    return verify.verify(rt, deep_check=deep)


@router.get("/ledger/export", responses=ERRORS, response_class=PlainTextResponse)
def ledger_export(rt: Reader, format: str = "ledger") -> PlainTextResponse:
    """The whole ledger as a journal (ledger, beancount or csv), as `pool ledger export` writes it."""
    if format not in journal.FORMATS:
        raise Malformed(f"format must be one of {', '.join(journal.FORMATS)}.")
    parts: list[str] = []

    @contextlib.contextmanager
    def sink() -> Iterator[Callable[[str], object]]:
        yield parts.append

    export.export(rt, format, sink)
    return PlainTextResponse("".join(parts))


@router.get("/ledger/checkpoint", responses=ERRORS)
def ledger_checkpoint(rt: Reader) -> Response:
    return Response(verify.checkpoint(rt).to_json(), media_type="application/json")


@router.get("/rules", responses=ERRORS)
def rules_list(rt: Reader) -> list[Row]:
    return rulesets.list_versions(rt)


@router.get("/audit", responses=ERRORS)
def audit_list(rt: Reader, actor: str | None = None, since: str | None = None) -> list[Row]:
    return audit.list_entries(rt, actor=actor, since=since)


class NewActor(Body):
    name: str
    role: str
    region: str | None = None


@router.post("/actors", status_code=201, responses=ERRORS)
def actor_add(rt: Annotated[Runtime, Depends(caller("actor.add"))], body: NewActor) -> Row:
    """Create an actor; the response is the only one that ever shows its token."""
    return actors.add(rt, name=body.name, role=body.role, region=body.region)


@router.post("/actors/{name}/revoke", responses=ERRORS)
def actor_revoke(rt: Annotated[Runtime, Depends(caller("actor.revoke"))], name: str) -> Row:
    return actors.revoke(rt, name=name)


@router.post("/rules", status_code=201, responses=ERRORS)
def rules_publish(
    rt: Annotated[Runtime, Depends(caller("rules.publish"))], file: Annotated[UploadFile, File()]
) -> Row:
    with uploaded(file, "rules.yaml") as path:
        return rulesets.publish(rt, str(path))


class PeriodClose(Body):
    through: str = Field(description="YYYY-MM")


@router.post("/periods/close", responses=ERRORS)
def period_close(rt: Annotated[Runtime, Depends(caller("period.close"))], body: PeriodClose) -> Row:
    return periods.close(rt, body.through)


@router.get("/actors", responses=ERRORS)
def actor_list(rt: Reader) -> list[Row]:
    return actors.list_actors(rt)


# the documentation, served from the application's own files


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)


DOCS_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>pool API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script></body></html>
"""
