"""What every page shares: the signed-in session, the CSRF check, the templates in the reader's
language, and the filters that show amounts and times the way people read them."""

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from pool.domain.money import format_amount_grouped
from pool.services import web_sessions
from pool.services.runtime import Runtime
from pool.web import i18n, sentences
from pool.web.config import WebConfig
from pool.web.labels import CURRENCIES, N_, TERMS
from pool.web.security import CSRF_FIELD, CSRF_HEADER, same_token

TEMPLATES = Path(__file__).parent / "templates"
SESSION_COOKIE = "pool_session"
LOGIN_COOKIE = "pool_login"  # the sign-in form's CSRF token, before any session exists
SHANGHAI = ZoneInfo("Asia/Shanghai")


class LoginRequired(Exception):
    """No live session: the page sends the browser to sign in."""


class CsrfRefused(Exception):
    pass


def money(value: Any) -> str:
    """`1234567.5` or `"1234567.50"` → `1,234,567.50`: exact, with thousands separators."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number:,.2f}"


def wan(value: Any, unit: str = "CNY") -> str:
    """Yuan as 万元 or 亿元, as people quote investments: `350000000` → `3.5亿元` (dollars as
    万美元, 亿美元)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    name = CURRENCIES.get(unit, unit)
    if abs(number) >= Decimal(100_000_000):
        return f"{_trim(number / Decimal(100_000_000))}亿{name}"
    if abs(number) >= Decimal(10_000):
        return f"{_trim(number / Decimal(10_000))}万{name}"
    return f"{money(number)}{name}"


def _trim(number: Decimal) -> str:
    text = f"{number.quantize(Decimal('0.0001')):,}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def local_time(value: Any) -> str:
    """A stored UTC time (naive or ISO text) shown in Asia/Shanghai."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else _parse(str(value))
    if moment is None:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _parse(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.rstrip("Z"))
    except ValueError:
        return None


class Views:
    def __init__(self, runtime: Runtime, config: WebConfig) -> None:
        self.runtime = runtime
        self.config = config
        self.envs = {locale: self._env(locale) for locale in i18n.LOCALES}

    @staticmethod
    def _env(locale: str) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
        )
        translations = i18n.gettext_for(locale)
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]

        def term(code: Any) -> str:
            """A vocabulary code in the reader's language: `operating` → 投产."""
            text = TERMS.get(str(code))
            return translations.gettext(text) if text else ("" if code is None else str(code))

        def currency(code: Any) -> str:
            """A unit's name in the reader's language: `CNY` → 元."""
            text = CURRENCIES.get(str(code))
            return translations.gettext(text) if text else str(code)

        def agreed(value: Any, kind: str | None) -> str:
            """An agreement value by its declared type: 40%, 50万元, 是, 3 年."""
            if kind == "flag" and isinstance(value, bool):
                return translations.gettext(N_("是")) if value else translations.gettext(N_("否"))
            if kind == "amount":
                return wan(value)
            if kind == "years":
                return translations.gettext(N_("%(n)s 年")) % {"n": value}
            return str(value)

        def said(sentence: Any) -> str:
            """A service's sentence in the reader's language."""
            return sentences.in_language(str(sentence), translations.gettext, chinese=locale == i18n.DEFAULT)

        env.filters.update(
            said=said,
            money=money,
            wan=wan,
            local_time=local_time,
            term=term,
            agreed=agreed,
            fen=format_amount_grouped,
            currency=currency,
        )
        env.globals.update(locales=i18n.LOCALES, locale=locale)
        return env

    # sessions

    def session(self, request: Request) -> web_sessions.Signed:
        """The live session of the request, else LoginRequired."""
        cached: web_sessions.Signed | None = getattr(request.state, "signed", None)
        if cached is not None:
            return cached
        signed = web_sessions.resume(
            self.runtime, request.cookies.get(SESSION_COOKIE), limits=self.config.limits
        )
        if signed is None:
            raise LoginRequired()
        request.state.signed = signed
        return signed

    def as_actor(self, request: Request) -> Runtime:
        return self.runtime.acting_as(self.session(request).principal)

    async def check_csrf(self, request: Request) -> web_sessions.Signed:
        """The session, if the request carries its CSRF token in the form or the htmx header."""
        signed = await run_in_threadpool(self.session, request)
        given = request.headers.get(CSRF_HEADER)
        if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
        if not same_token(signed.csrf, given):
            raise CsrfRefused()
        return signed

    # rendering

    def locale(self, request: Request) -> str:
        signed = getattr(request.state, "signed", None)
        if signed is not None:
            return str(signed.locale)
        chosen = request.cookies.get("pool_lang")
        return chosen if chosen in i18n.LOCALES else i18n.DEFAULT

    def gettext(self, request: Request) -> Any:
        return i18n.gettext_for(self.locale(request)).gettext

    def say(self, request: Request, sentence: str, labels: dict[str, str] | None = None) -> str:
        """A service's sentence in the reader's language (agreement values named by `labels`)."""
        locale = self.locale(request)
        return sentences.in_language(
            sentence, self.gettext(request), chinese=locale == i18n.DEFAULT, labels=labels
        )

    def say_for(self, request: Request) -> Any:
        """`say` for the request: a sentence in, the reader's sentence out."""
        return lambda sentence: self.say(request, sentence)

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        signed = getattr(request.state, "signed", None)
        env = self.envs[self.locale(request)]
        if isinstance(context.get("error"), str):
            context["error"] = self.say(request, context["error"], context.get("labels"))
        text = env.get_template(template).render(
            request=request,
            signed=signed,
            me=signed.principal if signed is not None else None,
            csrf=signed.csrf if signed is not None else "",
            path=request.url.path,
            **context,
        )
        return HTMLResponse(text, status_code=status)

    def error_page(self, request: Request, status: int, sentence: str) -> HTMLResponse:
        return self.render(
            request, "error.html", status=status, status_code=status, sentence=self.say(request, sentence)
        )


SAFE_NEXT = re.compile(r"^/[A-Za-z0-9/_\-]*$")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only."""
    if target and SAFE_NEXT.match(target) and not target.startswith("//"):
        return target
    return "/"
