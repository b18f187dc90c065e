"""Start-up: the CPU time (user + system) of whole `pool` commands, each the median of several
runs, beside a bare `python -c pass` in the same run.

Run: python -m benchmarks.startup [--runs 5] [--format text|json]
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "pool" / "rules" / "library"
POOL = [sys.executable, "-c", "from pool.cli import main; main()"]


def cpu_seconds(argv: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one run of `argv` as a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv[3:]} failed: {done.stderr.strip()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="pool-startup-"))
    db = f"sqlite:///{home / 'pool.db'}"
    env = {**os.environ, "POOL_DATABASE_URL": db}
    made = subprocess.run(
        [*POOL, "--format", "json", "init", "--admin", "city-office"], env=env, capture_output=True, text=True
    )
    token = json.loads(made.stdout)["token"]
    env_actor = {**env, "POOL_ACTOR": "city-office", "POOL_TOKEN": token}
    commands = {
        "python -c pass": ([sys.executable, "-c", "pass"], env),
        "pool --version": ([*POOL, "--version"], env),
        "pool --help": ([*POOL, "--help"], env),
        "pool rules check FILE": ([*POOL, "rules", "check", str(LIBRARY / "jjj-2015.yaml")], env),
        "pool rules test FILE": ([*POOL, "rules", "test", str(LIBRARY / "jjj-2015.cases.yaml")], env),
        "pool report balances": ([*POOL, "report", "balances"], env_actor),
        "pool region list": ([*POOL, "region", "list"], env_actor),
    }
    figures = {
        name: round(statistics.median(cpu_seconds(cmd, e) for _ in range(args.runs)), 3)
        for name, (cmd, e) in commands.items()
    }
    if args.format == "json":
        print(json.dumps({"runs": args.runs, "cpu_s": figures}))
        return
    bare = figures["python -c pass"]
    for name, seconds in figures.items():
        print(f"{name:<28} {seconds:6.3f} s CPU  ({seconds - bare:+.3f} s over bare python)")


if __name__ == "__main__":
    main()
