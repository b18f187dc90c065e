"""`python -m benchmarks` runs end to end at a small size (CI proves it works; no durations are
asserted), `--prepare-only` stops before settlement with what a settlement needs, and `--peers`
finds ledger-cli's, hledger's and beancount's balances equal to pool's."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.databases import in_ci

pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[2]
KEYS = (
    "transfers",
    "periods",
    "actuals",
    "postings",
    "import_s",
    "import_rows_per_s",
    "settle_s",
    "settle_monthly_s",
    "monthly_vs_once",
    "monthly_vs_floor",
    "settle_writes_s",
    "monthly_writes_s",
    "monthly_ledger_writes_vs_floor",
    "floor_s",
    "settle_vs_floor",
    "balances_ms",
    "payables_ms",
    "verify_s",
    "verify_deep_s",
    "export_s",
    "peak_rss_mb",
)


def _bench(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    env.pop("POOL_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", "--dir", str(tmp_path), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_bench_small_province_json(tmp_path: Path) -> None:
    done = _bench(tmp_path, "--transfers", "200", "--periods", "3", "--format", "json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(KEYS) <= set(figures), set(KEYS) - set(figures)
    assert figures["transfers"] == 200 and figures["periods"] == 3
    assert figures["actuals"] == 200 * 3 * 3
    assert figures["postings"] > 0
    assert figures["monthly_postings"] >= figures["postings"] > 0
    assert figures["verify_ok"] is True and figures["verify_deep_ok"] is True
    assert figures["export_entries"] == figures["verify_entries"] > 0
    assert "peers" not in figures  # only with --peers
    # the driver's writes are accounted per table, the ledger's own three among them
    ledger = {"ledger_entries", "ledger_postings", "transfer_positions"}
    assert ledger <= set(figures["settle_writes_s"]) and ledger <= set(figures["monthly_writes_s"])
    assert figures["monthly_ledger_writes_s"] == pytest.approx(
        sum(figures["monthly_writes_s"][t] for t in ledger), abs=0.01
    )
    # each step ran in a process of its own; the commands' peak leaves out the synthetic build
    steps = figures["peak_rss_by_step"]
    assert set(steps) == {
        "build",
        "import",
        "settle",
        "settle_month",
        "reports",
        "verify",
        "verify_deep",
        "export",
        "bulletin",
    }
    assert figures["peak_rss_mb"] == max(v for k, v in steps.items() if k != "build")


def _peers(tmp_path: Path, **env: str) -> dict[str, dict[str, object] | None]:
    done = _bench(tmp_path, "--transfers", "50", "--periods", "2", "--peers", "--format", "json", **env)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(figures["peers"]) == {"ledger", "hledger", "beancount"}
    assert figures["export_beancount_s"] > 0
    return figures["peers"]


def test_bench_peers_agree_with_pool(tmp_path: Path) -> None:
    for tool, peer in _peers(tmp_path).items():
        if peer is None:
            assert not in_ci(), f"CI=true but {tool} is not installed"
            continue
        assert peer["agrees"] is True, tool
        assert isinstance(peer["s"], float) and peer["version"], (tool, peer)


def test_bench_peer_not_installed_is_null(tmp_path: Path) -> None:
    found = _peers(tmp_path, PATH=str(tmp_path / "no-tools"))
    assert found["ledger"] is None and found["hledger"] is None
    bean = found["beancount"]  # bean-check is found beside the interpreter too, PATH or not
    assert bean is None or bean["agrees"] is True


def test_bench_prepare_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prepared.db'}"
    done = _bench(tmp_path, "--transfers", "20", "--periods", "2", "--db", url, "--prepare-only")
    assert done.returncode == 0, done.stderr
    prepared = json.loads(done.stdout.strip().splitlines()[-1])
    assert prepared["actor"] == "bench-city" and prepared["through"] == "2025-02"
    assert prepared["token"]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "POOL_DATABASE_URL": url,
        "POOL_ACTOR": prepared["actor"],
        "POOL_TOKEN": prepared["token"],
    }
    settled = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "settle", prepared["through"]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert settled.returncode == 0, settled.stderr


def _engine(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.engine", "--transfers", "300", "--months", "3", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_engine_bench_both_rulesets() -> None:
    figures = _engine("--repeat", "1")
    assert figures["plain"]["base_amounts"] == figures["additions"]["base_amounts"] == 300 * 3 * 3
    assert figures["plain"]["targets"] > 0 and figures["additions"]["targets"] > 0


def test_engine_bench_against_a_baseline_revision() -> None:
    """--baseline runs the plain workload against the engine of a revision taken out of git
    (here this checkout's own HEAD, so both sides settle the same figures)."""
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode:
        assert not in_ci(), "CI runs on a git clone"
        pytest.skip("not a git checkout")
    figures = _engine("--baseline", "HEAD", "--repeat", "2")
    assert figures["baseline"] == "HEAD" and figures["runs"] == 2
    assert figures["baseline_s"] > 0 and figures["current_s"] > 0
    assert figures["current_vs_baseline"] == round(figures["current_s"] / figures["baseline_s"], 3)
