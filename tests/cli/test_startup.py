"""Commands import only what they use: the ones that need no database never import the database
stack, so they start at once; a database command imports SQLAlchemy, and Alembic only to migrate.
(How fast they start is measured by `python -m benchmarks.startup`, not here.)"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"
PROBE = """
import sys
from pool.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("IMPORTED", sorted({m.split(".")[0] for m in sys.modules} & {"sqlalchemy", "alembic", "psycopg"}),
      file=sys.stderr)
"""


def imported(*args: str, env: dict[str, str] | None = None) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env)
    line = next(li for li in done.stderr.splitlines() if li.startswith("IMPORTED"))
    return json.loads(line.removeprefix("IMPORTED ").replace("'", '"'))


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--help"],
        ["project", "--help"],
        ["rules", "check", str(LIBRARY / "jjj-2015.yaml")],
        ["rules", "test", str(LIBRARY / "jjj-2015.cases.yaml")],
    ],
)
def test_commands_without_a_database_import_no_database_stack(args: list[str]) -> None:
    assert imported(*args) == []


def test_a_database_command_imports_sqlalchemy_but_not_alembic(tmp_path: Path) -> None:
    import os

    db = f"sqlite:///{tmp_path / 'pool.db'}"
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pool.cli import main; main()",
            "--db",
            db,
            "--format",
            "json",
            "init",
            "--admin",
            "city-office",
        ],
        capture_output=True,
        text=True,
    )
    token = json.loads(made.stdout)["token"]
    env = {**os.environ, "POOL_TOKEN": token}
    assert imported("--db", db, "--as", "city-office", "report", "balances", env=env) == ["sqlalchemy"]
