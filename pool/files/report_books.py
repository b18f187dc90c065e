"""Report workbooks and flat rows built from the reports' JSON shapes: the bulletin, one sheet per
indicator with its completion chart by county and the city's monthly trend, then the pool's
activity; the assessment, one row per county with a chart of the scores. The command line and the
web's downloads write the same workbooks and the same CSV."""

from decimal import Decimal
from typing import Any

from pool.files.workbook import Chart, Column, Sheet

SHEET_COLUMNS = [
    Column("region_name", "地区"),
    Column("period_amount", "本期", "amount"),
    Column("ytd", "本年累计", "amount"),
    Column("target", "年度目标", "amount"),
    Column("completion_pct", "完成%", "percent"),
    Column("last_year_ytd", "去年同期累计", "amount"),
    Column("yoy_pct", "同比%", "percent"),
    Column("rank", "排名", "integer"),
]


def bulletin_title(result: dict[str, Any]) -> str:
    return f"招商引资统计通报 {result['period']}"


def bulletin_sheets(result: dict[str, Any]) -> list[Sheet]:
    """One sheet per indicator, with its completion chart by county and the city's monthly trend,
    then the pool's activity."""
    sheets = []
    span = f"{result['period']}({result['from']} 至 {result['through']})"
    for ind in result["indicators"]:
        rows = ind["rows"]
        trend = Sheet(
            "trend",
            [Column("month", "月份"), Column("amount", "全市当月", "amount")],
            ind["trend"],
            charts=[Chart("line", f"{ind['label']} 全市逐月", "month", ("amount",), y_title=ind["unit"])],
        )
        sheets.append(
            Sheet(
                ind["label"],
                SHEET_COLUMNS,
                rows,
                heading=f"{ind['label']}({ind['indicator']}) {span} 单位:{ind['unit']}",
                notes=[
                    "完成% = 本年累计 ÷ 年度目标;同比% = (本年累计 − 去年同期累计) ÷ 去年同期累计。",
                    "排名按完成%、再按本年累计;全市合计每个数只计一次。",
                ],
                charts=[
                    Chart(
                        "bar",
                        f"{ind['label']} 年度目标完成率",
                        "region_name",
                        ("completion_pct",),
                        last=len(rows) - 2,
                        percent=True,
                    )
                ],
                side=trend,
                bold_last=True,
            )
        )
    act = result["activity"]
    rate = act["construction_start_rate"]
    lines = [
        ("新增线索", act["leads_registered"]),
        ("挂牌", act["listings_opened"]),
        ("认领申请", act["claims_submitted"]),
        ("批准流转", act["transfers_approved"]),
        *((f"流转:{c['chain_name']}", c["transfers"]) for c in act["transfers_by_chain"]),
        *((f"流转:{p['from_name']} → {p['to_name']}", p["transfers"]) for p in act["transfers_by_pair"]),
        *((f"期末阶段:{stage}", n) for stage, n in act["projects_by_stage"].items()),
        ("本年签约项目", rate["signed"]),
        ("其中已开工", rate["started"]),
        ("开工率%", rate["rate_pct"]),
        *(
            (f"财政分成:{f['payer_name']} 应付 {f['payee_name']}({f['share']})", f["amount"])
            for f in act["fiscal_flows"]
        ),
    ]
    sheets.append(
        Sheet(
            "本期活动",
            [Column("item", "项目"), Column("value", "数值")],
            [{"item": k, "value": v} for k, v in lines],
            heading=f"共享池本期活动 {span}",
        )
    )
    return sheets


BULLETIN_CSV = [
    ("indicator", "indicator"),
    ("label", "label"),
    ("unit", "unit"),
    ("region", "region"),
    ("region_name", "region_name"),
    ("period_amount", "period_amount"),
    ("ytd", "ytd"),
    ("target", "target"),
    ("completion_pct", "completion_pct"),
    ("last_year_ytd", "last_year_ytd"),
    ("yoy_pct", "yoy_pct"),
    ("rank", "rank"),
]


def bulletin_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The bulletin's rows flat, one per indicator and region (the city total's region empty)."""
    return [
        {"indicator": ind["indicator"], "label": ind["label"], "unit": ind["unit"], **row}
        for ind in result["indicators"]
        for row in ind["rows"]
    ]


def assessment_columns(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The flat assessment rows' columns: rank, county, each indicator with its weight, the
    points deducted, the score and its arithmetic."""
    columns = [("rank", "排名"), ("region_name", "地区")]
    for ind in result["indicators"]:
        columns.append((ind["indicator"], f"{ind['label']}(权重{ind['weight']})"))
    return columns + [("deducted", "扣分"), ("score", "得分"), ("arithmetic", "计算")]


def assessment_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One flat row per county: each indicator's points with its completion."""
    rows = []
    for row in result["rows"]:
        flat: dict[str, Any] = {
            "rank": row["rank"],
            "region": row["region"],
            "region_name": row["region_name"],
            "score": row["score"],
            "score_number": row["score"],
            "arithmetic": row["arithmetic"],
            "deducted": deducted(row["deductions"]),
        }
        for term in row["terms"]:
            shown = f"{term['completion_pct']}%" if term["completion_pct"] is not None else "无目标"
            flat[term["indicator"]] = f"{term['points']}({shown})"
        rows.append(flat)
    return rows


def deducted(deductions: list[dict[str, Any]]) -> str:
    """The points deducted, as written (decimal text added exactly)."""
    return str(sum((Decimal(d["points"]) for d in deductions), Decimal(0)))


def assessment_sheets(result: dict[str, Any]) -> list[Sheet]:
    """The scores as one sheet, with a bar chart of each county's score."""
    columns = [
        Column(key, header, "integer" if key == "rank" else "text")
        for key, header in assessment_columns(result)
        if key != "score"
    ]
    draft = "" if result["published"] else ",草稿"
    return [
        Sheet(
            "考核得分",
            [*columns, Column("score_number", "得分", "amount")],
            assessment_rows(result),
            heading=f"{result['title']}({result['scheme']} {result['version']}{draft})",
            charts=[Chart("bar", "各县区考核得分", "region_name", ("score_number",))],
        )
    ]
