"""`pool assessment` schemes and `pool report assessment` on the hand-computed bulletin pool
(tests/support/bulletin.py): 2025 through March, with its targets."""

import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from support.bulletin import bulletin_pool
from support.databases import BACKENDS
from support.driver import Pool

SCHEME = """\
# 商洛市2025年度招商引资目标责任考核(示例)
scheme: shangluo-assessment
version: "2025.1"
title: 商洛市2025年度招商引资目标责任考核
year: 2025
indicators:
  - indicator: statistics:funds
    weight: 60
    cap: 120%
  - indicator: 固定资产投资
    weight: 40
deductions:
  - region: zhashui
    points: 2.5
    reason: 项目信息报送不及时
"""


@pytest.fixture
def pool(db_url: str) -> Iterator[Pool]:
    p = bulletin_pool(db_url)
    yield p
    p.close()


def write(tmp_path: Path, text: str, name: str = "scheme.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("db_url", BACKENDS, indirect=True)
def test_scores_are_the_hand_computed_ones(pool: Pool, tmp_path: Path) -> None:
    published = pool.json("policy-desk", "assessment", "publish", write(tmp_path, SCHEME))
    assert published["published"] is True and published["scheme"] == "shangluo-assessment"
    result = pool.json(
        "danfeng-bureau", "report", "assessment", "--year", "2025", "--scheme", "shangluo-assessment"
    )
    assert (
        result["published"] is True
        and result["version"] == "2025.1"
        and result["sha256"] == published["sha256"]
    )
    assert result["indicators"] == [
        {"indicator": "statistics:funds", "label": "实际使用内资(统计)", "weight": "60", "cap_pct": "120.0"},
        {"indicator": "statistics:fai", "label": "固定资产投资", "weight": "40", "cap_pct": None},
    ]
    by_region = {r["region"]: r for r in result["rows"]}
    # danfeng: funds 70.00 of 100.00 = 70% → 60 × 0.7 = 42.00; no fai target → 0
    assert by_region["danfeng"]["score"] == "42.00" and by_region["danfeng"]["rank"] == 1
    assert by_region["danfeng"]["arithmetic"] == "60×70.0% = 42.00"
    # zhashui: funds 930/2000 = 46.5% → 27.90; fai 50/200 = 25% → 40 × 0.25 = 10.00; − 2.5 = 35.40
    zhashui = by_region["zhashui"]
    assert zhashui["score"] == "35.40" and zhashui["rank"] == 2
    assert zhashui["arithmetic"] == "60×46.5% + 40×25.0% − 2.5 = 35.40"
    assert zhashui["terms"] == [
        {
            "indicator": "statistics:funds",
            "ytd": "930.00",
            "target": "2000.00",
            "completion_pct": "46.5",
            "counted_pct": "46.5",
            "weight": "60",
            "points": "27.90",
        },
        {
            "indicator": "statistics:fai",
            "ytd": "50.00",
            "target": "200.00",
            "completion_pct": "25.0",
            "counted_pct": "25.0",
            "weight": "40",
            "points": "10.00",
        },
    ]
    assert zhashui["deductions"] == [{"points": "2.5", "reason": "项目信息报送不及时"}]
    # shangzhou: a target and nothing attributed: 0.0%; the others have no target: all 0.00, rank 3
    assert by_region["shangzhou"]["arithmetic"] == "60×0.0% = 0.00"
    assert {r["rank"] for r in result["rows"] if r["region"] not in ("danfeng", "zhashui")} == {3}


def test_a_cap_limits_completion(pool: Pool, tmp_path: Path) -> None:
    # danfeng's funds target lowered to 50.00: 70/50 = 140%, capped at 120% → 60 × 1.2 = 72.00
    pool.ok("city-office", "target", "set", "danfeng", "statistics:funds", "2025", "50")
    result = pool.json(
        "zhashui-bureau", "report", "assessment", "--year", "2025", "--scheme", write(tmp_path, SCHEME)
    )
    danfeng = next(r for r in result["rows"] if r["region"] == "danfeng")
    assert result["published"] is False
    assert danfeng["terms"][0]["completion_pct"] == "140.0" and danfeng["terms"][0]["counted_pct"] == "120.0"
    assert danfeng["score"] == "72.00"


def test_the_assessment_workbook_has_its_chart(pool: Pool, tmp_path: Path) -> None:
    out = tmp_path / "考核.xlsx"
    scheme = write(tmp_path, SCHEME)
    pool.ok(
        "zhashui-bureau",
        "report",
        "assessment",
        "--year",
        "2025",
        "--scheme",
        scheme,
        "--format",
        "xlsx",
        "--out",
        str(out),
    )
    ws = openpyxl.load_workbook(out).active
    headers = [c.value for c in ws[2]]
    assert headers[0] == "排名" and headers[-1] == "得分"
    assert ws.cell(3, 2).value == "丹凤县" and ws.cell(3, len(headers)).value == 42
    with zipfile.ZipFile(out) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<barChart>" in chart and "各县区考核得分" in chart


def test_scheme_problems_are_located(pool: Pool, tmp_path: Path) -> None:
    bad = (
        SCHEME.replace("statistics:funds", "statistics:gold")
        .replace("weight: 40", "weight: lots")
        .replace("region: zhashui", "region: atlantis")
    )
    path = write(tmp_path, bad)
    result = pool.run("policy-desk", "assessment", "check", path)
    assert result.exit_code == 1
    assert f"{path}:11: indicators[1].weight: " in result.stderr and "not a number of points" in result.stderr
    # the indicators and the regions are checked once the file is well-formed
    path = write(
        tmp_path,
        SCHEME.replace("statistics:funds", "statistics:gold").replace("zhashui", "atlantis"),
        "b.yaml",
    )
    result = pool.run("policy-desk", "assessment", "check", path)
    assert f"{path}:7: indicators[0].indicator: there is no indicator 'statistics:gold'" in result.stderr
    assert f"{path}:13: deductions[0].region: there is no county 'atlantis'" in result.stderr
    twice = write(tmp_path, SCHEME.replace("固定资产投资", "statistics:funds"), "c.yaml")
    result = pool.run("policy-desk", "assessment", "check", twice)
    assert f"{twice}:10: indicators[1].indicator: statistics:funds is weighted twice" in result.stderr
    before = pool.rows("assessment_schemes")
    assert pool.run("policy-desk", "assessment", "publish", path).exit_code == 1
    assert pool.rows("assessment_schemes") == before


def test_publishing_pins_the_text(pool: Pool, tmp_path: Path) -> None:
    path = write(tmp_path, SCHEME)
    assert pool.json("policy-desk", "assessment", "publish", path)["published"] is True
    assert pool.json("city-office", "assessment", "publish", path)["published"] is False  # the same text
    changed = write(tmp_path, SCHEME.replace("weight: 60", "weight: 70"), "changed.yaml")
    refused = pool.run("policy-desk", "assessment", "publish", changed)
    assert refused.exit_code == 1 and "already published with other text" in refused.stderr
    denied = pool.run("zhashui-bureau", "assessment", "publish", changed)
    assert denied.exit_code == 3
    assert len(pool.rows("assessment_schemes")) == 1
    # the published text is what is scored, whatever the file says now
    Path(path).write_text(SCHEME.replace("weight: 60", "weight: 10"), encoding="utf-8")
    pinned = pool.json(
        "zhashui-bureau", "report", "assessment", "--year", "2025", "--scheme", "shangluo-assessment@2025.1"
    )
    assert pinned["indicators"][0]["weight"] == "60"
    wrong_year = pool.run(
        "zhashui-bureau", "report", "assessment", "--year", "2024", "--scheme", "shangluo-assessment"
    )
    assert wrong_year.exit_code == 1 and "assesses 2025, not 2024" in wrong_year.stderr
    unknown = pool.run("zhashui-bureau", "report", "assessment", "--year", "2025", "--scheme", "nope")
    assert unknown.exit_code == 1 and "no scheme file or published scheme 'nope'" in unknown.stderr
    listed = pool.json("policy-desk", "assessment", "list")
    assert [(s["scheme"], s["version"], s["year"]) for s in listed] == [
        ("shangluo-assessment", "2025.1", 2025)
    ]
