"""`python -m pool.bench` runs end to end at a small size (CI proves it works; no durations are
asserted), and `--prepare-only` stops before settlement with what a settlement needs."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("transfers", "periods", "actuals", "postings", "import_s", "import_rows_per_s",
        "settle_s", "settle_monthly_s", "monthly_vs_once", "floor_s", "settle_vs_floor",
        "balances_ms", "payables_ms", "verify_s", "export_s", "peak_rss_mb")


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("POOL_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "pool.bench", "--dir", str(tmp_path), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_bench_small_province_json(tmp_path: Path) -> None:
    done = _bench(tmp_path, "--transfers", "200", "--periods", "3", "--format", "json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(KEYS) <= set(figures), set(KEYS) - set(figures)
    assert figures["transfers"] == 200 and figures["periods"] == 3
    assert figures["actuals"] == 200 * 3 * 3
    assert figures["postings"] > 0
    assert figures["monthly_postings"] >= figures["postings"] > 0
    assert figures["verify_ok"] is True
    assert figures["export_entries"] == figures["verify_entries"] > 0


def test_bench_prepare_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prepared.db'}"
    done = _bench(tmp_path, "--transfers", "20", "--periods", "2", "--db", url, "--prepare-only")
    assert done.returncode == 0, done.stderr
    prepared = json.loads(done.stdout.strip().splitlines()[-1])
    assert prepared["actor"] == "bench-city" and prepared["through"] == "2025-02"
    assert prepared["token"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POOL_DATABASE_URL": url,
           "POOL_ACTOR": prepared["actor"], "POOL_TOKEN": prepared["token"]}
    settled = subprocess.run([sys.executable, str(ROOT / "cli.py"), "settle",
                              prepared["through"]], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
    assert settled.returncode == 0, settled.stderr
