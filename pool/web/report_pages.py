"""The bulletin (月统计、季通报) and the assessment (年考核) as pages with charts, and the same
workbooks and CSV as `pool report bulletin|assessment --format xlsx|csv` as downloads. The pages
read the services the command line reads; a page only arranges what they return."""

import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pool.domain.errors import InvalidInput, PoolError
from pool.domain.periods import Period, kind, parse_period, shifted
from pool.files.output import csv_text
from pool.files.report_books import (
    BULLETIN_CSV,
    assessment_columns,
    assessment_rows,
    assessment_sheets,
    bulletin_rows,
    bulletin_sheets,
    bulletin_title,
)
from pool.files.workbook import Sheet, write_workbook
from pool.services import assessment, bulletin
from pool.web.errors import status_of
from pool.web.labels import CURRENCIES, N_
from pool.web.pages import ViewsDep
from pool.web.views import Views, money

router = APIRouter(include_in_schema=False)

QUARTERS = (
    N_("%(year)s年第一季度"),
    N_("%(year)s年第二季度"),
    N_("%(year)s年第三季度"),
    N_("%(year)s年第四季度"),
)
YEAR = re.compile(r"[0-9]{4}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


# the bulletin


@router.get("/reports/bulletin")
def bulletin_page(request: Request, v: ViewsDep, period: str = "") -> Response:
    rt = v.as_actor(request)
    typed = period.strip()
    try:
        result = bulletin.bulletin(rt, typed or bulletin.default_period(rt))
    except PoolError as exc:
        return v.render(
            request,
            "bulletin.html",
            status=status_of(exc)[0],
            b=None,
            typed=typed,
            error=str(exc),
            choices=[],
        )
    p = parse_period(result["period"])
    return v.render(
        request,
        "bulletin.html",
        b=result,
        typed=result["period"],
        title=period_title(v, request, p),
        earlier=shifted(p, -1).name,
        later=shifted(p, 1).name,
        choices=choices(v, request, p),
        charts=bulletin_charts(result, v.gettext(request)),
        made=rt.now(),
        error=None,
    )


def period_title(v: Views, request: Request, p: Period) -> str:
    """2025年第二季度, 2025年5月, 2025年 (in the reader's language)."""
    _ = v.gettext(request)
    if kind(p) == "month":
        return str(_("%(year)s年%(month)s月") % {"year": p.year, "month": p.first % 12 + 1})
    if kind(p) == "quarter":
        return str(_(QUARTERS[p.first % 12 // 3]) % {"year": p.year})
    return str(_("%(year)s年") % {"year": p.year})


def choices(v: Views, request: Request, p: Period) -> list[tuple[str, str]]:
    """The periods the picker offers: the months, quarters and years around the one shown."""
    periods = [parse_period(str(p.year + n)) for n in (-1, 0)]
    periods += [parse_period(f"{p.year}Q{q}") for q in (1, 2, 3, 4)]
    periods += [parse_period(f"{p.year}-{m:02d}") for m in range(1, 13)]
    return [(c.name, period_title(v, request, c)) for c in periods]


def bulletin_charts(result: dict[str, Any], _: Callable[[str], str]) -> dict[str, dict[str, Any]]:
    """What charts.js draws, per indicator: completion by region (the rows above the city total)
    and the city's monthly trend; the figures as the service gives them, exact text."""
    charts: dict[str, dict[str, Any]] = {}
    for ind in result["indicators"]:
        regions = ind["rows"][:-1]
        if any(r["completion_pct"] is not None for r in regions):
            charts[f"completion-{ind['indicator']}"] = {
                "kind": "bar",
                "title": _("%(indicator)s 年度目标完成率") % {"indicator": ind["label"]},
                "categories": [r["region_name"] for r in regions],
                "values": [r["completion_pct"] for r in regions],
                "labels": [f"{r['completion_pct']}%" if r["completion_pct"] else "" for r in regions],
                "unit": "%",
                "percent": True,
            }
        charts[f"trend-{ind['indicator']}"] = {
            "kind": "line",
            "title": _("%(indicator)s 全市逐月") % {"indicator": ind["label"]},
            "categories": [t["month"] for t in ind["trend"]],
            "values": [t["amount"] for t in ind["trend"]],
            "labels": [money(t["amount"]) for t in ind["trend"]],
            "unit": _(CURRENCIES[ind["unit"]]) if ind["unit"] in CURRENCIES else ind["unit"],
            "percent": False,
        }
    return charts


@router.get("/reports/bulletin.xlsx")
def bulletin_xlsx(request: Request, v: ViewsDep, period: str = "") -> Response:
    result = _bulletin(request, v, period)
    return workbook(bulletin_sheets(result), bulletin_title(result), f"bulletin-{result['period']}")


@router.get("/reports/bulletin.csv")
def bulletin_csv(request: Request, v: ViewsDep, period: str = "") -> Response:
    result = _bulletin(request, v, period)
    name = f"{bulletin_title(result)}.csv"
    return download(
        csv_text(bulletin_rows(result), BULLETIN_CSV), CSV, name, f"bulletin-{result['period']}.csv"
    )


def _bulletin(request: Request, v: Views, period: str) -> dict[str, Any]:
    rt = v.as_actor(request)
    return bulletin.bulletin(rt, period.strip() or bulletin.default_period(rt))


# the assessment


@router.get("/reports/assessment")
def assessment_page(request: Request, v: ViewsDep, year: str = "", scheme: str = "") -> Response:
    schemes = assessment.list_schemes(v.as_actor(request))
    context: dict[str, Any] = {"schemes": schemes, "year": year.strip(), "scheme": scheme.strip(), "a": None}
    try:
        chosen_year, chosen = _asked(request, v, schemes, year, scheme)
        context.update(year=chosen_year or context["year"], scheme=chosen)
        if chosen:
            context["a"] = _score(request, v, chosen_year, chosen)
    except PoolError as exc:
        return v.render(request, "assessment.html", status=status_of(exc)[0], error=str(exc), **context)
    if context["a"] is not None:
        context["charts"] = {"scores": assessment_chart(context["a"], v.gettext(request))}
    return v.render(request, "assessment.html", error=None, **context)


def _asked(
    request: Request, v: Views, schemes: list[dict[str, Any]], year: str, scheme: str
) -> tuple[str, str]:
    """The year and the scheme asked for. A scheme unnamed is the latest published one (of the
    year, if one is named); a year unnamed is the named scheme's."""
    year, scheme = year.strip(), scheme.strip()
    if year and not YEAR.fullmatch(year):
        _ = v.gettext(request)
        raise InvalidInput(_("年度应为四位数字，如 2025。"))
    ident = scheme.partition("@")[0]
    fitting = [
        s for s in schemes if (not year or str(s["year"]) == year) and (not ident or s["scheme"] == ident)
    ]
    if not scheme:
        return (
            (str(fitting[-1]["year"]), f"{fitting[-1]['scheme']}@{fitting[-1]['version']}")
            if fitting
            else (year, "")
        )
    return year or (str(fitting[-1]["year"]) if fitting else ""), scheme


def _score(request: Request, v: Views, year: str, scheme: str) -> dict[str, Any]:
    """The scores under a published scheme (never a file: no draft is read on the server). A
    scheme that assesses another year, or none published by that name, is the service's refusal."""
    return assessment.assessment(v.as_actor(request), int(year or 0), scheme, drafts=False)


def assessment_chart(result: dict[str, Any], _: Callable[[str], str]) -> dict[str, Any]:
    return {
        "kind": "bar",
        "title": _("各县区考核得分"),
        "categories": [r["region_name"] for r in result["rows"]],
        "values": [r["score"] for r in result["rows"]],
        "labels": [r["score"] for r in result["rows"]],
        "unit": "",
        "percent": False,
    }


@router.get("/reports/assessment.xlsx")
def assessment_xlsx(request: Request, v: ViewsDep, year: str = "", scheme: str = "") -> Response:
    result = _download(request, v, year, scheme)
    return workbook(assessment_sheets(result), result["title"], f"assessment-{result['year']}")


@router.get("/reports/assessment.csv")
def assessment_csv(request: Request, v: ViewsDep, year: str = "", scheme: str = "") -> Response:
    result = _download(request, v, year, scheme)
    text = csv_text(assessment_rows(result), assessment_columns(result))
    return download(text, CSV, f"{result['title']}.csv", f"assessment-{result['year']}.csv")


def _download(request: Request, v: Views, year: str, scheme: str) -> dict[str, Any]:
    schemes = assessment.list_schemes(v.as_actor(request))
    chosen_year, chosen = _asked(request, v, schemes, year, scheme)
    return _score(request, v, chosen_year, chosen)


# downloads


def workbook(sheets: list[Sheet], title: str, ascii_name: str) -> Response:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets, title=title)
    return download(buffer.getvalue(), XLSX, f"{title}.xlsx", f"{ascii_name}.xlsx")


def download(body: str | bytes, media_type: str, name: str, ascii_name: str) -> Response:
    """A file to save: its Chinese name for browsers that read RFC 5987, an ASCII one for others."""
    saved = quote(name.replace(" ", "-"), safe="")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{saved}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})
