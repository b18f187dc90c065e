"""The pages: sign-in and sign-out, the language, and each role's pages (server-rendered, htmx for
the parts that change in place). No page decides what is allowed: the services do."""

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from pool.domain.errors import PermissionDenied, PoolError
from pool.domain.money import format_amount
from pool.domain.vocab import CAPITAL_SOURCES, KINDS, STAGES
from pool.domain.workflow import LISTING_STATES, ROLES
from pool.ledger import checkpoint as checkpoint_file
from pool.rules import cases, loader
from pool.services import (
    actors,
    audit,
    claims,
    dashboard,
    explain,
    listings,
    periods,
    preview,
    projects,
    reports,
    rulesets,
    settlement,
    simulate,
    transfers,
    verify,
    web_sessions,
)
from pool.services import regions as pool_choices
from pool.services.runtime import Runtime
from pool.web import sentences
from pool.web.api import import_upload, uploaded
from pool.web.api import ledger_export as api_export
from pool.web.errors import Malformed, status_of
from pool.web.views import LOGIN_COOKIE, SESSION_COOKIE, SHANGHAI, Views, safe_next

router = APIRouter(include_in_schema=False)


def views(request: Request) -> Views:
    views: Views = request.app.state.views
    return views


ViewsDep = Annotated[Views, Depends(views)]


async def csrf_checked(request: Request) -> web_sessions.Signed:
    """The session of a state-changing request that carries the session's CSRF token."""
    return await views(request).check_csrf(request)


Checked = Annotated[web_sessions.Signed, Depends(csrf_checked)]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _cookie(response: Response, v: Views, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=v.config.secure_cookies,
    )


# signing in and out


@router.get("/login")
def login_form(request: Request, v: ViewsDep, next: str = "/") -> Response:
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = v.render(request, "login.html", login_csrf=token, next=safe_next(next), error=None, name="")
    _cookie(response, v, LOGIN_COOKIE, token, max_age=3600)
    return response


@router.post("/login")
def login(
    request: Request,
    v: ViewsDep,
    actor: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    from pool.web.security import same_token

    expected = request.cookies.get(LOGIN_COOKIE)
    _ = v.gettext(request)
    if not same_token(expected, csrf):
        return v.error_page(request, 403, _("表单已过期或来源不明，请重新打开登录页。"))
    address = _address(request)
    try:
        signed = web_sessions.sign_in(
            v.runtime,
            actor,
            token,
            address=address,
            limits=v.config.limits,
            ended=request.cookies.get(SESSION_COOKIE),
        )
    except web_sessions.TooManyAttempts as exc:
        web_sessions.refuse_limited(v.runtime, actor, address, exc)
        minutes = -(-exc.retry_after // 60)
        response = v.render(
            request,
            "login.html",
            status=429,
            login_csrf=expected,
            next=safe_next(next),
            name=actor,
            error=_("登录失败次数过多，请 %(minutes)s 分钟后再试。") % {"minutes": minutes},
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except PermissionDenied:
        return v.render(
            request,
            "login.html",
            status=401,
            login_csrf=expected,
            next=safe_next(next),
            name=actor,
            error=_("操作员名称或令牌不正确，或该操作员已被停用。"),
        )
    redirect = RedirectResponse(safe_next(next), status_code=303)
    _cookie(redirect, v, SESSION_COOKIE, signed.key)
    redirect.delete_cookie(LOGIN_COOKIE, path="/")
    return redirect


@router.post("/logout")
def logout(request: Request, v: ViewsDep, signed: Checked) -> Response:
    web_sessions.sign_out(v.runtime, signed.key)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def language(
    v: ViewsDep,
    signed: Checked,
    locale: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/",
) -> Response:
    web_sessions.set_locale(v.runtime, signed, locale)
    return RedirectResponse(safe_next(back), status_code=303)


# home


@router.get("/")
def home(request: Request, v: ViewsDep) -> Response:
    signed = v.session(request)
    news = dashboard.whats_new(v.as_actor(request), signed.previous_visit)
    return v.render(request, "home.html", news=news)


# the pool's objects

NO_BODY = 204


def _do(request: Request, v: Views, action: Callable[[], object], *, ok: str, back: str) -> Response:
    """Run a state-changing service call; on success go to `ok`, else show the form page
    `back` again with the service's sentence (and its status)."""
    try:
        action()
    except PoolError as exc:
        status, _code = status_of(exc)
        return _again(request, v, back, status, str(exc))
    return RedirectResponse(ok, status_code=303)


def _again(request: Request, v: Views, back: str, status: int, sentence: str) -> Response:
    request.state.error = sentence
    return _status(_PAGES[back](request, v), status)


def _refused(request: Request, exc: PoolError, page: Callable[[], Response]) -> Response:
    """The page again, with the service's refusal and its status."""
    request.state.error = str(exc)
    return _status(page(), status_of(exc)[0])


def _error(request: Request) -> str | None:
    return getattr(request.state, "error", None)


@router.get("/projects")
def project_list(
    request: Request,
    v: ViewsDep,
    search: str = "",
    chain: str = "",
    host: str = "",
    stage: str = "",
) -> Response:
    rt = v.as_actor(request)
    rows = projects.list_projects(
        rt, chain=chain or None, host=host or None, stage=stage or None, search=search.strip() or None
    )
    template = "projects_table.html" if request.headers.get("hx-request") else "projects.html"
    return v.render(
        request,
        template,
        rows=rows,
        filters={"search": search, "chain": chain, "host": host, "stage": stage},
        choices=choices(rt),
        stages=STAGES,
    )


def choices(rt: Runtime) -> dict[str, list[dict[str, object]]]:
    """The regions and chains for filters and forms, named as the database names them."""
    return pool_choices.choices(rt)


@router.get("/projects/new")
def project_form(request: Request, v: ViewsDep) -> Response:
    rt = v.as_actor(request)
    return v.render(
        request,
        "project_new.html",
        choices=choices(rt),
        kinds=KINDS,
        sources=CAPITAL_SOURCES,
        values=getattr(request.state, "values", {}),
        error=_error(request),
        field=getattr(request.state, "field", None),
    )


@router.post("/projects")
def project_add(
    request: Request,
    v: ViewsDep,
    signed: Checked,
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    investor: Annotated[str, Form()] = "",
    chain: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    investment: Annotated[str, Form()] = "",
    capital_source: Annotated[str, Form()] = "",
    origin: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "code": code,
        "name": name,
        "investor": investor,
        "chain": chain,
        "kind": kind,
        "investment": investment,
        "capital_source": capital_source,
        "origin": origin,
    }
    new = projects.NewProject(
        code=code,
        name=name,
        investor=investor,
        chain=chain,
        kind=kind,
        investment=investment,
        capital_source=capital_source,
        origin=origin or None,
    )
    try:
        projects.add(v.runtime.acting_as(signed.principal), new)
    except PoolError as exc:
        request.state.values = values
        request.state.field = field_of(str(exc))
        return _again(request, v, "project_new", status_of(exc)[0], str(exc))
    return RedirectResponse(f"/projects/{quote(code.strip())}", status_code=303)


def field_of(sentence: str) -> str | None:
    """The form field a service's sentence is about, to show it there."""
    lowered = sentence.lower()
    for key, words in (
        ("investor", ("same lead", "already registered", "investor")),
        ("code", ("code",)),
        ("investment", ("investment", "amount")),
        ("chain", ("chain",)),
        ("kind", ("kind",)),
        ("capital_source", ("capital source", "capital_source")),
        ("origin", ("origin",)),
        ("name", ("name",)),
    ):
        if any(w in lowered for w in words):
            return key
    return None


@router.get("/projects/{code}")
def project_page(request: Request, v: ViewsDep, code: str) -> Response:
    rt = v.as_actor(request)
    project = projects.show(rt, code)
    rows = listings.list_listings(rt, project=str(project["code"]))
    moved = transfers.list_transfers(rt, project=str(project["code"]))
    return v.render(
        request,
        "project.html",
        p=project,
        listings=rows,
        transfers=moved,
        stages=STAGES,
        error=_error(request),
    )


@router.post("/projects/{code}/stage")
def project_stage(
    request: Request,
    v: ViewsDep,
    signed: Checked,
    code: str,
    stage: Annotated[str, Form()] = "",
    month: Annotated[str, Form()] = "",
) -> Response:
    rt = v.runtime.acting_as(signed.principal)
    try:
        projects.stage(rt, code, stage or None, month=month or None, milestones={}, reason=None)
    except PoolError as exc:
        return _refused(request, exc, lambda: project_page(request, v, code))
    return RedirectResponse(f"/projects/{quote(code)}", status_code=303)


@router.post("/projects/{code}/listings")
def listing_open(
    request: Request,
    v: ViewsDep,
    signed: Checked,
    code: str,
    reason: Annotated[str, Form()] = "",
    needs: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
) -> Response:
    rt = v.runtime.acting_as(signed.principal)
    pairs = [p.strip() for p in needs.replace("，", ",").replace("\n", ",").split(",") if p.strip()]
    try:
        extra = {"days": int(days)} if days.strip() else {}
    except ValueError:
        extra = {"days": -1}
    try:
        row = listings.open_listing(rt, code, reason=reason, needs=pairs, **extra)
    except PoolError as exc:
        return _refused(request, exc, lambda: project_page(request, v, code))
    return RedirectResponse(f"/listings/{row['id']}", status_code=303)


@router.get("/listings")
def listing_list(request: Request, v: ViewsDep, status: str = "open", chain: str = "") -> Response:
    rt = v.as_actor(request)
    rows = listings.list_listings(rt, status=status or None, chain=chain or None)
    now = rt.now()
    for row in rows:
        row["time_left"] = time_left(row.get("closes_at"), now) if row["status"] == "open" else ""
    return v.render(
        request,
        "listings.html",
        rows=rows,
        status_filter=status,
        chain=chain,
        choices=choices(rt),
        states=LISTING_STATES,
    )


def time_left(closes_at: object, now: datetime) -> str:
    """Days and hours until a listing closes: `12天5小时`."""
    if not isinstance(closes_at, str):
        return ""
    end = datetime.fromisoformat(closes_at.rstrip("Z"))
    seconds = max(0, int((end - now).total_seconds()))
    days, hours = seconds // 86400, seconds % 86400 // 3600
    return f"{days}天{hours}小时" if days else f"{hours}小时"


@router.get("/listings/{listing_id}")
def listing_page(request: Request, v: ViewsDep, listing_id: int) -> Response:
    rt = v.as_actor(request)
    row = listings.show(rt, listing_id)
    row["time_left"] = time_left(row.get("closes_at"), rt.now()) if row["status"] == "open" else ""
    return v.render(request, "listing.html", l=row, error=_error(request))


def _listing_again(request: Request, v: Views, listing_id: int, exc: PoolError) -> Response:
    return _refused(request, exc, lambda: listing_page(request, v, listing_id))


@router.post("/listings/{listing_id}/claims")
def claim_submit(
    request: Request, v: ViewsDep, signed: Checked, listing_id: int, note: Annotated[str, Form()] = ""
) -> Response:
    try:
        claims.submit(v.runtime.acting_as(signed.principal), listing_id, note_text=note)
    except PoolError as exc:
        return _listing_again(request, v, listing_id, exc)
    return RedirectResponse(f"/listings/{listing_id}", status_code=303)


@router.post("/listings/{listing_id}/withdraw")
def listing_withdraw(request: Request, v: ViewsDep, signed: Checked, listing_id: int) -> Response:
    try:
        listings.withdraw(v.runtime.acting_as(signed.principal), listing_id)
    except PoolError as exc:
        return _listing_again(request, v, listing_id, exc)
    return RedirectResponse(f"/listings/{listing_id}", status_code=303)


@router.get("/claims")
def claim_list(request: Request, v: ViewsDep) -> Response:
    signed = v.session(request)
    rt = v.as_actor(request)
    me = signed.principal
    if me.role == "county":
        rows = claims.list_claims(rt, claimant=me.region)
    else:
        rows = claims.list_claims(rt, status="pending")
    return v.render(request, "claims.html", rows=rows, error=_error(request))


@router.post("/claims/{claim_id}/withdraw")
def claim_withdraw(request: Request, v: ViewsDep, signed: Checked, claim_id: int) -> Response:
    try:
        claims.withdraw(v.runtime.acting_as(signed.principal), claim_id)
    except PoolError as exc:
        return _refused(request, exc, lambda: claim_list(request, v))
    return RedirectResponse("/claims", status_code=303)


@router.get("/claims/{claim_id}")
def claim_page(request: Request, v: ViewsDep, claim_id: int, effective: str = "") -> Response:
    rt = v.as_actor(request)
    form = claims.agreement_form(rt, claim_id, effective=effective or None)
    listing = listings.show(rt, int(form["claim"]["listing"]))  # type: ignore[index]
    fields = [agreement_field(d) for d in form["values"]]  # type: ignore[attr-defined]
    typed = getattr(request.state, "typed", {})
    return v.render(
        request,
        "claim.html",
        form=form,
        fields=fields,
        typed=typed,
        l=listing,
        effective=getattr(request.state, "effective", form["effective"]),
        error=_error(request),
        field=getattr(request.state, "field", None),
        labels={f["key"]: f["label"] for f in fields},
    )


def agreement_field(decl: dict[str, Any]) -> dict[str, Any]:
    """A form field for a declared agreement value: ratios typed in percent, amounts in yuan."""
    out = dict(decl)
    out["unit"] = {"ratio": "%", "amount": "元"}.get(decl["type"], "")
    for bound in ("min", "max", "default"):
        value = decl.get(bound)
        out[f"{bound}_shown"] = shown_value(decl["type"], value) if value is not None else ""
    return out


def shown_value(kind: str, value: str) -> str:
    """A declared bound or default as the form shows it: `30%` → `30`, `0.3` → `30`."""
    text = str(value).strip()
    if kind == "ratio":
        if text.endswith("%"):
            return text[:-1].strip()
        try:
            return str((Fraction(text) * 100).limit_denominator())
        except (ValueError, ZeroDivisionError):
            return text
    if kind == "flag":
        return "true" if text.lower() in ("true", "1", "yes") else "false"
    return text


@router.post("/claims/{claim_id}/approve")
async def claim_approve(request: Request, signed: Checked, claim_id: int) -> Response:
    form = await request.form()
    return await run_in_threadpool(_approve, request, signed, claim_id, form)


def _approve(request: Request, signed: web_sessions.Signed, claim_id: int, form: Any) -> Response:
    v = views(request)
    rt = v.runtime.acting_as(signed.principal)
    effective = str(form.get("effective", "")).strip()
    typed = {
        k[len("agreement.") :]: str(val).strip() for k, val in form.items() if k.startswith("agreement.")
    }
    pairs = _pairs(declared_values(rt, claim_id, effective), form.multi_items())
    try:
        transfer = claims.approve(rt, claim_id, effective=effective, agreement=pairs)
    except PoolError as exc:
        request.state.error = str(exc)
        request.state.typed = typed
        request.state.effective = effective
        found = re.search(r"agreement value '([^']+)'", str(exc))
        request.state.field = found.group(1) if found else None
        response = claim_page(request, v, claim_id, effective=effective)
        response.status_code = status_of(exc)[0]
        return response
    return RedirectResponse(f"/transfers/{transfer['id']}", status_code=303)


@router.get("/claims/{claim_id}/preview")
def claim_preview(request: Request, v: ViewsDep, claim_id: int) -> Response:
    """The split the values typed would give, beside the form (htmx); nothing is written."""
    rt = v.as_actor(request)
    effective = request.query_params.get("effective", "").strip()
    declared = declared_values(rt, claim_id, effective)
    pairs = _pairs(declared, request.query_params.multi_items())
    try:
        split = preview.approval(rt, claim_id, effective=effective, agreement=pairs)
    except PoolError as exc:
        labels = {str(d["key"]): str(d["label"]) for d in declared}
        return v.render(request, "claim_preview.html", split=None, error=str(exc), labels=labels)
    return v.render(request, "claim_preview.html", split=split, error=None)


def _pairs(declared: list[dict[str, Any]], items: Any) -> list[str]:
    """The agreement values of a form as `KEY=VALUE`, ratios typed in percent."""
    typed = {k[len("agreement.") :]: str(val).strip() for k, val in items if k.startswith("agreement.")}
    kinds = {d["key"]: d["type"] for d in declared}
    pairs = []
    for key, value in typed.items():
        if value == "":
            continue
        ratio = kinds.get(key) == "ratio" and not value.endswith("%")
        pairs.append(f"{key}={value}%" if ratio else f"{key}={value}")
    return pairs


def declared_values(rt: Runtime, claim_id: int, effective: str) -> list[dict[str, Any]]:
    """The agreement values an approval of the claim in the month `effective` may agree."""
    declared: Any = claims.agreement_form(rt, claim_id, effective=effective or None)["values"]
    return list(declared)


@router.post("/claims/{claim_id}/reject")
def claim_reject(
    request: Request, v: ViewsDep, signed: Checked, claim_id: int, reason: Annotated[str, Form()] = ""
) -> Response:
    try:
        claims.reject(v.runtime.acting_as(signed.principal), claim_id, reason=reason)
    except PoolError as exc:
        return _refused(request, exc, lambda: claim_page(request, v, claim_id))
    return RedirectResponse("/claims", status_code=303)


@router.get("/transfers")
def transfer_list(request: Request, v: ViewsDep) -> Response:
    rows = transfers.list_transfers(v.as_actor(request))
    return v.render(request, "transfers.html", rows=rows)


@router.get("/transfers/{transfer_id}")
def transfer_page(request: Request, v: ViewsDep, transfer_id: int, through: str = "") -> Response:
    rt = v.as_actor(request)
    row = transfers.show(rt, transfer_id)
    try:
        derivation: dict[str, Any] | None = explain.as_data(explain.explain(rt, transfer_id, through or None))
        problem = None
    except PoolError as exc:
        derivation, problem = None, v.say(request, str(exc))
    names = {r["code"]: r["name"] for r in choices(rt)["regions"]}
    declared = rulesets.agreement_declared(rt, str(row["ruleset"]), str(row["version"]))
    return v.render(
        request,
        "transfer.html",
        t=row,
        agreed=agreement_rows(row["agreement"], declared),  # type: ignore[arg-type]
        x=derivation,
        origins=[names.get(o, o) for o in (derivation or {}).get("trace", {}).get("origins", [])],
        problem=problem,
        names=names,
    )


def agreement_rows(values: dict[str, object], declared: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An agreement's values in the declarations' order, each with its label and type."""
    decls = {d["key"]: d for d in declared}
    keys = [d["key"] for d in declared if d["key"] in values] + [k for k in values if k not in decls]
    return [
        {
            "key": key,
            "label": decls.get(key, {}).get("label", ""),
            "type": decls.get(key, {}).get("type"),
            "value": values[key],
        }
        for key in keys
    ]


_PAGES: dict[str, Callable[[Request, Views], Response]] = {"project_new": project_form}


# the city office: actuals, settlement, periods, actors


@router.get("/actuals")
def actuals_page(request: Request, v: ViewsDep) -> Response:
    v.session(request)
    return v.render(
        request,
        "actuals.html",
        result=getattr(request.state, "result", None),
        problems=getattr(request.state, "problems", None),
        error=_error(request),
    )


@router.post("/actuals")
async def actuals_upload(request: Request, signed: Checked) -> Response:
    form = await request.form()
    upload = form.get("file")
    restate = form.get("restate") == "on"
    reason = str(form.get("reason") or "").strip() or None
    return await run_in_threadpool(_import, request, signed, upload, restate, reason)


def _import(
    request: Request, signed: web_sessions.Signed, upload: Any, restate: bool, reason: str | None
) -> Response:
    v = views(request)
    _ = v.gettext(request)
    if not isinstance(upload, UploadFile) or not upload.filename:
        request.state.error = _("请选择要导入的 CSV 或 XLSX 文件。")
        return _status(actuals_page(request, v), 422)
    try:
        if restate and reason is None:
            raise Malformed(_("更正导入须说明理由。"))
        request.state.result = import_upload(
            v.runtime.acting_as(signed.principal), upload, restate=restate, reason=reason
        )
    except PoolError as exc:
        request.state.error = str(exc)
        chinese = v.locale(request) == "zh_CN"
        request.state.problems = [
            (row, sentences.problems(text, v.gettext(request), chinese=chinese))
            for row, text in row_problems(str(exc))
        ]
        return _status(actuals_page(request, v), status_of(exc)[0])
    return actuals_page(request, v)


def _status(response: Response, status: int) -> Response:
    response.status_code = status
    return response


ROW = re.compile(r"^\s*(?:[^:\n]*:\s*)?row (\d+)[:,]?\s*(.*)$", re.IGNORECASE)


def row_problems(sentence: str) -> list[tuple[str, str]]:
    """The refusal's lines that name a row, as (row, problem), for a table."""
    found = []
    for line in sentence.splitlines():
        match = ROW.match(line)
        if match:
            found.append((match.group(1), match.group(2) or line))
    return found


@router.get("/settle")
def settle_page(request: Request, v: ViewsDep) -> Response:
    signed = v.session(request)
    news = dashboard.whats_new(v.as_actor(request), signed.previous_visit)
    return v.render(
        request,
        "settle.html",
        last=news["last_settlement"],
        result=getattr(request.state, "result", None),
        closed=getattr(request.state, "closed", None),
        error=_error(request),
    )


@router.post("/settle")
def settle(request: Request, v: ViewsDep, signed: Checked, period: Annotated[str, Form()] = "") -> Response:
    try:
        request.state.result = settlement.settle(v.runtime.acting_as(signed.principal), period.strip())
    except PoolError as exc:
        return _refused(request, exc, lambda: settle_page(request, v))
    return settle_page(request, v)


@router.post("/periods/close")
def period_close(
    request: Request, v: ViewsDep, signed: Checked, through: Annotated[str, Form()] = ""
) -> Response:
    try:
        request.state.closed = periods.close(v.runtime.acting_as(signed.principal), through.strip())
    except PoolError as exc:
        return _refused(request, exc, lambda: settle_page(request, v))
    return settle_page(request, v)


@router.get("/actors")
def actor_page(request: Request, v: ViewsDep) -> Response:
    rt = v.as_actor(request)
    rows = actors.list_actors(rt)
    return v.render(
        request,
        "actors.html",
        rows=rows,
        created=getattr(request.state, "created", None),
        error=_error(request),
        choices=choices(rt),
        roles=ROLES,
    )


@router.post("/actors")
def actor_add(
    request: Request,
    v: ViewsDep,
    signed: Checked,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    region: Annotated[str, Form()] = "",
) -> Response:
    try:
        request.state.created = actors.add(
            v.runtime.acting_as(signed.principal), name=name.strip(), role=role, region=region or None
        )
    except PoolError as exc:
        return _refused(request, exc, lambda: actor_page(request, v))
    return actor_page(request, v)  # the token is shown this once, never again


@router.post("/actors/{name}/revoke")
def actor_revoke(request: Request, v: ViewsDep, signed: Checked, name: str) -> Response:
    try:
        actors.revoke(v.runtime.acting_as(signed.principal), name=name)
    except PoolError as exc:
        return _refused(request, exc, lambda: actor_page(request, v))
    return RedirectResponse("/actors", status_code=303)


# rules


@router.get("/rules")
def rules_page(request: Request, v: ViewsDep) -> Response:
    rows = rulesets.list_versions(v.as_actor(request))
    return v.render(request, "rules.html", rows=rows)


@router.get("/rules/{ruleset}/{version}")
def rule_text_page(request: Request, v: ViewsDep, ruleset: str, version: str) -> Response:
    """A published version's text, as stored, with whether it still has its published hash."""
    shown = rulesets.show(v.as_actor(request), ruleset, version)
    return v.render(request, "rule_text.html", r=shown)


@router.get("/rules/check")
def rules_check_page(request: Request, v: ViewsDep) -> Response:
    v.session(request)
    return v.render(
        request,
        "rules_check.html",
        checked=getattr(request.state, "checked", None),
        error=_error(request),
        published=getattr(request.state, "published", None),
        simulated=getattr(request.state, "simulated", None),
        tested=getattr(request.state, "tested", None),
    )


@router.post("/rules/check")
async def rules_check(request: Request, signed: Checked) -> Response:
    form = await request.form()
    return await run_in_threadpool(_rules, request, signed, form.get("file"), str(form.get("do") or "check"))


def _chosen(upload: Any) -> bool:
    return isinstance(upload, UploadFile) and bool(upload.filename)


def _rules(request: Request, signed: web_sessions.Signed, upload: Any, do: str) -> Response:
    v = views(request)
    _ = v.gettext(request)
    if not _chosen(upload):
        request.state.error = _("请选择规则文件（YAML）。")
        return _status(rules_check_page(request, v), 422)
    rt = v.runtime.acting_as(signed.principal)
    with uploaded(upload, "rules.yaml") as path:
        text = path.read_text("utf-8", errors="replace")
        checked = check_rule_file(str(path), text, v.say_for(request))
        request.state.checked = checked
        status = 200 if checked["ok"] else 422
        try:
            if do == "publish" and checked["ok"]:
                request.state.published = rulesets.publish(rt, str(path))
            elif do == "simulate" and checked["ok"]:
                found = simulate.simulate(rt, str(path))
                amounts = ("current", "simulated", "difference")
                found["rows"] = [{**r, **{k: format_amount(r[k]) for k in amounts}} for r in found["rows"]]
                request.state.simulated = found
        except PoolError as exc:
            request.state.error = str(exc)
            status = status_of(exc)[0]
    return _status(rules_check_page(request, v), status)


LINE = re.compile(r"^(?P<file>[^\n]*?):(?P<line>\d+): (?:(?P<key>[^\s:]+): )?(?P<problem>.*)$")
Say = Callable[[str], str]


def located(sentence: str, names: dict[str, str], say: Say) -> list[dict[str, Any]]:
    """The problems of a rule or case file (`FILE:LINE: key: message` each) as rows: the file's
    own name (not where the upload was kept), the line, the key as written, the message in the
    reader's language."""
    rows = []
    for line in _named(sentence, names).splitlines():
        match = LINE.match(line)
        if match:
            rows.append(
                {
                    "file": match["file"],
                    "line": int(match["line"]),
                    "key": match["key"] or "",
                    "problem": say(match["problem"]),
                }
            )
        elif line.strip():
            file, _sep, rest = line.strip().partition(": ")
            known = file in names.values() and rest
            rows.append(
                {
                    "file": file if known else "",
                    "line": None,
                    "key": "",
                    "problem": say(rest if known else line.strip()),
                }
            )
    return rows


def _named(text: str, names: dict[str, str]) -> str:
    """`text` with each uploaded file's path replaced by the file's own name."""
    for path, name in names.items():
        text = text.replace(path, name)
    return text


def check_rule_file(path: str, text: str, say: Say) -> dict[str, Any]:
    """What `pool rules check` says of a file: ok with its ruleset, or each problem with its line."""
    name = Path(path).name
    try:
        loaded = loader.load_ruleset_file(path)
    except PoolError as exc:
        problems = located(str(exc), {path: name}, say)
        bad = {p["line"] for p in problems}
        numbered = [(n, t, n in bad) for n, t in enumerate(text.splitlines(), start=1)]
        return {"ok": False, "file": name, "problems": problems, "lines": numbered}
    return {
        "ok": True,
        "file": name,
        "ruleset": loaded.ruleset.ruleset,
        "version": loaded.ruleset.version,
        "shares": len(loaded.ruleset.shares),
        "warnings": located("\n".join(loaded.warnings), {path: name}, say),
    }


@router.post("/rules/test")
async def rules_test(request: Request, signed: Checked) -> Response:
    form = await request.form()
    return await run_in_threadpool(_rules_test, request, form.get("rules"), form.get("cases"))


def _rules_test(request: Request, rules_upload: Any, cases_upload: Any) -> Response:
    """`pool rules test CASES --rules RULES` on two uploaded files."""
    v = views(request)
    _ = v.gettext(request)
    if not (_chosen(rules_upload) and _chosen(cases_upload)):
        request.state.error = _("请选择规则文件和测试用例文件（YAML）。")
        return _status(rules_check_page(request, v), 422)
    with uploaded(rules_upload, "rules.yaml") as rules_path, uploaded(cases_upload, "cases.yaml") as path:
        names = {str(rules_path): rules_path.name, str(path): path.name}
        found = cases.run_case_file(path, rules_path)
    say = v.say_for(request)
    runs = [
        {
            "name": r.name,
            "passed": r.passed,
            "where": _named(r.where, names),
            "differences": r.differences,
            "problems": [say(p) for p in r.problems],
        }
        for r in found.results
    ]
    passed = sum(1 for r in runs if r["passed"])
    request.state.tested = {
        "file": names[str(path)],
        "rules": names[str(rules_path)],
        "problems": located(found.error, names, say),
        "cases": runs,
        "passed": passed,
        "failed": len(runs) - passed + found.unrun,
    }
    return _status(rules_check_page(request, v), 422 if request.state.tested["failed"] else 200)


# auditors and the city: the ledger and the audit log


@router.get("/ledger")
def ledger_page(request: Request, v: ViewsDep) -> Response:
    rt = v.as_actor(request)
    return v.render(
        request, "ledger.html", result=verify.verify(rt), anchored=getattr(request.state, "anchored", None)
    )


@router.post("/ledger/verify")
async def ledger_verify(request: Request, signed: Checked) -> Response:
    form = await request.form()
    return await run_in_threadpool(_verify_against, request, signed, form.get("file"))


def _verify_against(request: Request, signed: web_sessions.Signed, upload: Any) -> Response:
    v = views(request)
    _ = v.gettext(request)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Malformed(_("请选择检查点文件。"))
    text = upload.file.read().decode("utf-8", errors="replace")
    anchor = checkpoint_file.parse(text, Path(upload.filename).name)
    request.state.anchored = verify.verify(v.runtime.acting_as(signed.principal), anchor)
    response = ledger_page(request, v)
    return _status(response, 200 if request.state.anchored["ok"] else 422)


@router.get("/ledger/checkpoint")
def ledger_checkpoint(request: Request, v: ViewsDep) -> Response:
    taken = verify.checkpoint(v.as_actor(request))
    return Response(
        taken.to_json(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="checkpoint-{taken.entries}.json"'},
    )


@router.get("/ledger/export")
def ledger_export(request: Request, v: ViewsDep, format: str = "ledger") -> Response:
    text = api_export(v.as_actor(request), format).body
    suffix = {"beancount": "beancount", "csv": "csv"}.get(format, "ledger")
    return Response(
        text,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pool.{suffix}"'},
    )


@router.get("/audit")
def audit_page(
    request: Request, v: ViewsDep, actor: str = "", since: str = "", outcome: str = ""
) -> Response:
    rt = v.as_actor(request)
    since_utc = beijing_to_utc(since.strip(), v.gettext(request)) if since.strip() else None
    rows = audit.list_entries(rt, actor=actor.strip() or None, since=since_utc)
    if outcome:
        rows = [r for r in rows if r["outcome"] == outcome]
    return v.render(
        request,
        "audit.html",
        rows=list(reversed(rows))[:500],
        total=len(rows),
        filters={"actor": actor, "since": since, "outcome": outcome},
    )


def beijing_to_utc(text: str, gettext: Callable[[str], str]) -> str:
    """A date or time typed in Beijing time as the UTC instant the audit log is kept in."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Malformed(
            gettext("%(value)s 不是日期；请写成 2024-06-01（北京时间），或 2024-06-01T08:30。")
            % {"value": text}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


# reports


@router.get("/reports/statement/{region}")
def statement_page(
    request: Request, v: ViewsDep, region: str, year: int | None = None, page: int = 1
) -> Response:
    rt = v.as_actor(request)
    chosen = year or rt.now().year
    page = max(1, page)
    result = reports.statement(rt, region, chosen, _page_of_lines(page))
    pages = max(1, -(-result["line_count"] // STATEMENT_LINES))
    if page > pages:  # past the last page: the last one
        page = pages
        result = reports.statement(rt, region, chosen, _page_of_lines(page))
    return v.render(
        request,
        "statement.html",
        s=result,
        year=chosen,
        lines=result["lines"],
        page=page,
        pages=pages,
        total=result["line_count"],
    )


STATEMENT_LINES = 200  # lines a page shows; the totals cover them all


def _page_of_lines(page: int) -> slice:
    return slice((page - 1) * STATEMENT_LINES, page * STATEMENT_LINES)


_PAGES.update({"actuals": actuals_page, "settle": settle_page})
