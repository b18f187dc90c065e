"""Report workbooks built from the reports' JSON shapes: the bulletin, one sheet per indicator
with its completion chart by county and the city's monthly trend, then the pool's activity."""

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
