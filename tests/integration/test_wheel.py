"""The wheel: the top-level migrations/ installs as pool.migrations, every file of pool/ is in it,
the console script is pool.cli:main, and the checkout's cli.py is left out."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What the build reads, copied so that a build/ directory left in the checkout cannot leak into
# the wheel; cli.py is copied to show it stays out.
SOURCES = ("pyproject.toml", "README.md", "cli.py", "pool", "migrations")


def _files(top: Path) -> set[str]:
    return {
        p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }


def test_wheel_holds_the_package_and_its_migrations_and_not_cli_py(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["-w", str(dist), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("pool-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/entry_points.txt"))
        entry_points = archive.read(f"{info}/entry_points.txt").decode()

    assert "pool/migrations/env.py" in names
    assert "pool/migrations/script.py.mako" in names
    revisions = {
        f"pool/migrations/versions/{p.name}" for p in (ROOT / "migrations" / "versions").glob("*.py")
    }
    assert revisions and revisions <= names
    assert {n for n in names if n.startswith("pool/migrations/versions/")} == revisions
    assert not any(n.startswith("pool/store/migrations/") for n in names)

    assert "cli.py" not in names
    assert {n.split("/")[0] for n in names} == {"pool", info}
    assert "pool = pool.cli:main" in entry_points

    # The packages are listed by hand in pyproject.toml: every file of the tree must be in the wheel.
    expected = {f"pool/{n}" for n in _files(ROOT / "pool")} | {
        f"pool/migrations/{n}" for n in _files(ROOT / "migrations")
    }
    assert expected - names == set()
