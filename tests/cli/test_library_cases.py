"""Every shipped rule set is valid and passes its hand-computed case file."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from pool.cli import main

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"
CASE_FILES = sorted(LIBRARY.glob("*.cases.yaml"))
RULE_FILES = sorted(p for p in LIBRARY.glob("*.yaml") if not p.name.endswith(".cases.yaml"))


def test_library_is_complete() -> None:
    names = {p.name.removesuffix(".yaml") for p in RULE_FILES}
    for ruleset in (
        "shangluo-default",
        "jjj-2015",
        "ningde-2017",
        "sunan-zhangye",
        "chuanzhe",
        "chuanyu",
        "kunming-2024",
        "jiangmen-2024",
        "xuancheng-2024",
        "ndrc-922-2017",
        "liaoning-2019",
        "yunnan-2025",
        "tonghai-2023",
        "jinan-2024",
        "shangluo-chain",
    ):
        assert ruleset in names
        assert (LIBRARY / f"{ruleset}.cases.yaml").exists()


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_file_is_valid(path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "ok (" in result.output


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.name)
def test_case_file_passes(path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "test", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().splitlines()[-1].endswith(" passed, 0 failed")
    assert not result.output.rstrip().splitlines()[-1].startswith("0 passed")
