"""The demo's year of money: monthly actuals, monthly settlement, a restatement, verify, reports."""

import csv
import random
from pathlib import Path
from typing import Any

from pool.domain.months import format_month, parse_month
from pool.files.output import new_file
from pool.files.report_books import bulletin_sheets, bulletin_title
from pool.files.workbook import write_workbook
from pool.services import actuals, assessment, bulletin, reports, settlement, targets, verify

# Monthly figures in yuan, around which each project's reports vary (tax, funds, FDI in USD, FAI).
PROFILES = {
    "ZS-2024-006": {"tax_local": 1_200_000, "funds_domestic": 18_000_000, "fdi": 0, "fai": 15_000_000},
    "LN-2024-001": {"tax_local": 2_600_000, "funds_domestic": 30_000_000, "fdi": 45_000, "fai": 26_000_000},
}
FIRST, MONTHS = "2024-08", 12
RESTATEMENT = "restatement-2024-12.csv"
BULLETIN = "bulletin-2025Q2.xlsx"
SCHEME = "assessment-2025.yaml"
SCHEME_TEXT = """\
# 商洛市2025年度招商引资目标责任考核(示例):权重、完成率封顶与扣分
scheme: shangluo-assessment
version: "2025.1"
title: 商洛市2025年度招商引资目标责任考核
year: 2025
indicators:
  - indicator: statistics:funds      # 实际使用内资
    weight: 60
    cap: 120%
  - indicator: 固定资产投资
    weight: 40
    cap: 120%
deductions:
  - region: shangzhou
    points: 2
    reason: 项目信息报送不及时
"""
# The city's 2025 targets (yuan), in 万 and 亿 as offices write them.
TARGETS = [
    ("zhashui", "statistics:funds", "2.4亿"),
    ("luonan", "statistics:funds", "1.8亿"),
    ("shangzhou", "statistics:funds", "1.5亿"),
    ("shangluo", "statistics:funds", "6亿"),
    ("zhashui", "statistics:fai", "1.2亿"),
    ("luonan", "statistics:fai", "9000万"),
]


def files() -> list[str]:
    """The names of the files the year writes into the demo's directory."""
    first = parse_month(FIRST)
    return [f"actuals-{format_month(m)}.csv" for m in range(first, first + MONTHS)] + [
        RESTATEMENT,
        BULLETIN,
        SCHEME,
    ]


def settle_a_year(day: Any, folder: Path) -> None:
    city = day.as_("city-office")
    rng = random.Random(2024)
    first = parse_month(FIRST)
    day.say("")
    day.say(
        f"A year of reports, {FIRST} to {format_month(first + MONTHS - 1)}: each month the city "
        "imports the projects' figures and settles."
    )
    for month in range(first, first + MONTHS):
        path = folder / f"actuals-{format_month(month)}.csv"
        _write_month(path, month, rng)
        imported = actuals.import_file(city, str(path))
        settled = settlement.settle(city, format_month(month))
        day.say(
            f"  {format_month(month)}: {imported['added']} figures imported; settled "
            f"{settled['entries']} entries, {settled['postings']} postings."
        )
        if format_month(month) == "2025-02":
            _restate(day, folder)
    check = verify.verify(day.as_("audit-bureau"))
    day.say(
        f"audit-bureau verifies the ledger: {'whole' if check['ok'] else 'BROKEN'} — "
        f"{check['entries']} entries, {check['postings']} postings, head {check['head'][:16]}."
    )
    _reports(day)
    _bulletin(day, folder)


def _bulletin(day: Any, folder: Path) -> None:
    """The city sets its 2025 targets and writes the second quarter's bulletin workbook."""
    city = day.as_("city-office")
    for region, indicator, amount in TARGETS:
        targets.set_target(city, region, indicator, "2025", amount)
    result = bulletin.bulletin(day.as_("zhashui-bureau"), "2025Q2")
    path = folder / BULLETIN
    with new_file(path, binary=True) as handle:
        write_workbook(handle, bulletin_sheets(result), title=bulletin_title(result))
    funds = next(i for i in result["indicators"] if i["indicator"] == "statistics:funds")
    day.say("")
    day.say("The city sets its 2025 targets (target set) and publishes the 2025Q2 bulletin (季通报):")
    for row in funds["rows"]:
        if row["target"] is not None or row["ytd"] != "0.00":
            done = f"{row['completion_pct']}% of {row['target']}" if row["target"] else "no target"
            day.say(f"  {row['region_name']:<6} 实际使用内资 year to date {row['ytd']:>16} ({done})")
    day.say(f"The bulletin workbook, with its charts, is {path}")
    scheme = folder / SCHEME
    with new_file(scheme) as handle:
        handle.write(SCHEME_TEXT)
    published = assessment.publish(day.as_("policy-desk"), str(scheme))
    scores = assessment.assessment(day.as_("zhashui-bureau"), 2025, published["scheme"])
    day.say("")
    day.say(
        f"policy-desk publishes the assessment scheme {published['scheme']} {published['version']}; "
        "the 2025 scores so far (report assessment --year 2025):"
    )
    for row in scores["rows"]:
        if row["score"] != "0.00" or row["deductions"]:
            day.say(f"  {row['rank']}. {row['region_name']:<6} {row['arithmetic']}")


def _write_month(path: Path, month: int, rng: random.Random) -> None:
    with new_file(path) as f:
        out = csv.writer(f)
        out.writerow(["project", "period", "metric", "amount"])
        for project, profile in PROFILES.items():
            if project == "LN-2024-001" and month < parse_month("2024-11"):
                continue  # moves in 2024-11
            for metric, base in profile.items():
                fen = rng.randint(base * 70, base * 130) if base else 0
                out.writerow([project, format_month(month), metric, f"{fen // 100}.{fen % 100:02d}"])


def _restate(day: Any, folder: Path) -> None:
    path = folder / RESTATEMENT
    with new_file(path) as f:
        csv.writer(f).writerows(
            [
                ["project", "period", "metric", "amount", "note"],
                ["ZS-2024-006", "2024-12", "tax_local", "980000.00", "退库更正"],
            ]
        )
    result = actuals.import_file(
        day.as_("city-office"), str(path), restate=True, reason="县税务局更正2024年12月退库数据"
    )
    day.say(
        f"  2025-02: the tax bureau corrects ZS-2024-006's 2024-12 tax to 980000.00 "
        f"({result['restated']} figure restated, reason recorded); the next settlement posts "
        "the adjustment."
    )


def _reports(day: Any) -> None:
    reader = day.as_("zhashui-bureau")
    day.say("")
    day.say("Balances (report balances):")
    for row in reports.balances(reader):
        day.say(
            f"  {row['book']:<10} {row['region_name']:<6} {row['share']:<7} {row['amount']:>16} {row['unit']}"
        )
    day.say("")
    day.say("Fiscal payables for 2025 (report payables --year 2025):")
    for row in reports.payables(reader, 2025):
        day.say(
            f"  {row['payer_name']} owes {row['payee_name']} {row['total']} {row['unit']} "
            f"over {len(row['months'])} months"
        )
    statement = reports.statement(reader, "zhashui", 2025)
    day.say("")
    day.say(f"{statement['region_name']}'s statement for 2025 (report statement zhashui --year 2025):")
    for line in statement["lines"]:
        day.say(
            f"  transfer {line['transfer']} {line['project']} {line['share']:<7} as {line['role']}: "
            f"received {line['received']}, is owed {line['owed']}"
        )
