"""The web application: one FastAPI app holding the pages (`pool.web.pages`) and the HTTP API
(`pool.web.api`) on one runtime. It authenticates, calls the services and renders what they
return; what is allowed is decided by the services, exactly as for the command line."""

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from pool.bootstrap import Adapters, bootstrap
from pool.config import Settings
from pool.domain.errors import PoolError
from pool.services.runtime import Runtime
from pool.web.config import WebConfig
from pool.web.errors import status_of
from pool.web.security import SecurityHeaders
from pool.web.views import CsrfRefused, LoginRequired, Views

if TYPE_CHECKING:
    from pool.web.api import Verified

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: Settings, adapters: Adapters | None = None, config: WebConfig | None = None
) -> FastAPI:
    """The application on the database `settings` names. The actor and token of the settings
    are dropped: every request proves its own actor."""
    settings = replace(settings, actor=None, token=None)
    runtime: Runtime = bootstrap(settings, adapters)
    config = config or WebConfig()
    app = FastAPI(
        title="pool",
        summary="市县招商项目共享池 — HTTP API",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.runtime = runtime
    app.state.config = config
    app.state.views = Views(runtime, config)
    app.state.verified = api_verified()
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from pool.web import api, pages, report_pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(report_pages.router)

    @app.exception_handler(PoolError)
    def pool_error(request: Request, exc: PoolError) -> Response:
        status, code = status_of(exc)
        if _is_api(request):
            return error_json(status, code, str(exc), _challenge(request, code))
        return app.state.views.error_page(request, status, str(exc))

    @app.exception_handler(LoginRequired)
    def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfRefused)
    def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        _ = app.state.views.gettext(request)
        return app.state.views.error_page(
            request, 403, _("请求缺少有效的表单令牌（CSRF），未做任何更改；请刷新页面后重试。")
        )

    @app.exception_handler(RequestValidationError)
    def malformed(request: Request, exc: RequestValidationError) -> Response:
        sentence = "; ".join(_problem(e) for e in exc.errors()) or "The request is malformed."
        if _is_api(request):
            return error_json(400, "malformed", sentence)
        return app.state.views.error_page(request, 400, sentence)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {401: "unauthenticated", 403: "denied", 404: "invalid", 409: "conflict"}.get(
            exc.status_code, "malformed"
        )
        if _is_api(request):
            return error_json(exc.status_code, code, str(exc.detail), _challenge(request, code))
        return app.state.views.error_page(request, exc.status_code, str(exc.detail))

    return app


def api_verified() -> "Verified":
    from pool.web.api import Verified

    return Verified()


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _challenge(request: Request, code: str) -> dict[str, str]:
    return {"WWW-Authenticate": 'Basic realm="pool", charset="UTF-8"'} if code == "unauthenticated" else {}


def _problem(error: Any) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid"))


def error_json(status: int, code: str, sentence: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": sentence, "code": code}, status_code=status, headers=headers)


def html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status)
