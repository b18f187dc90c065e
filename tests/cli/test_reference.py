"""docs/cli.md is every command's --help as the command line prints it: it fails when a command,
an option or a help text changes without the reference being made again."""

from pathlib import Path

from click.testing import CliRunner

from pool.cli import main
from pool.cli.reference import commands, reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_the_reference_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is out of date: run `python -m pool.cli.reference > docs/cli.md`"
    )


def test_the_reference_shows_what_help_prints() -> None:
    doc = DOC.read_text(encoding="utf-8")
    listed = list(commands(main))
    assert len(listed) > 40
    for path, _command in listed:
        printed = CliRunner().invoke(main, [*path, "--help"], prog_name="pool", terminal_width=100)
        assert printed.exit_code == 0, path
        assert f"## pool {' '.join(path)}\n\n```text\n{printed.output.rstrip()}\n```" in doc, path
