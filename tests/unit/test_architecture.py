"""The layering of DESIGN.md holds (import-linter), and the code passes the linter."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def test_import_layers_are_kept() -> None:
    result = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_code_passes_the_linter() -> None:
    result = subprocess.run(
        [_tool("ruff"), "check", "cli.py", "pool", "migrations", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_revisions_import_only_alembic_sqlalchemy_and_the_standard_library() -> None:
    """A revision keeps doing what it did when it was written: it uses nothing from pool."""
    revisions = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    assert revisions
    for path in revisions:
        tree = ast.parse(path.read_text("utf-8"))
        imported = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        allowed = {"alembic", "sqlalchemy"} | set(sys.stdlib_module_names)
        assert {name.split(".")[0] for name in imported} <= allowed, (path.name, imported)
