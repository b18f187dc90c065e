"""The web benchmark: `pool serve` under concurrent users on the province benchmark's pool.

Run: python -m benchmarks.web [--transfers 10000] [--periods 12] [--db URL] [--dir DIR]
                              [--users 20] [--rounds 10] [--workers 2] [--think 1.0]
                              [--format text|json]

Builds the province benchmark's pool (benchmarks.province) and settles it through the last month,
then starts `pool serve --workers N` on 127.0.0.1 and a free port and lets USERS simulated users
(one thread each, with its own httpx client) sign in to the pages and call the API with HTTP
Basic, all at once. Each user requests every route ROUNDS times, in its own shuffled order, with
a different object each round, pausing THINK seconds on average between requests (uniformly 0.5
to 1.5 times it) as a person reading a page does; --think 0 sends the next request at once.
Prints, per page and API route, the requests, p50 and p95 in milliseconds and the errors (any
status but 200). Not a test: it asserts nothing.

--db names an empty database (SQLite file or PostgreSQL); by default a SQLite file in --dir.
"""

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from benchmarks import province, timing
from pool.services import settlement, transfers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web", description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--db", default=None)
    parser.add_argument("--dir", default=None)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--think", type=float, default=1.0, help="Mean seconds a user pauses between requests (0: none)."
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="pool-web-bench-"))
    url = args.db or f"sqlite:///{workdir / 'province.db'}"
    say = (lambda line: print(line, file=sys.stderr)) if args.format == "json" else print

    built, p = timing.timed(lambda: province.build_province(url, workdir, args.transfers, args.periods))
    say(f"Province built in {built:.1f} s: {p.transfers:,} transfers, {p.actuals:,} actuals rows.")
    city = timing.city(url, p.token)
    settled, _ = timing.timed(lambda: settlement.settle(city, p.through))
    say(f"Settled through {p.through} in {settled:.1f} s.")
    targets = _targets(city, p)
    city.close()

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POOL_")}
    server = subprocess.Popen(
        [sys.executable, "-c", "from pool.cli import main; main()", "--db", url, "serve"]
        + ["--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, server)
        results = _load(base, province.ADMIN, p.token, targets, args.users, args.rounds, args.think)
    finally:
        server.terminate()
        server.wait(timeout=60)

    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    rows = [
        {
            "route": route,
            "requests": len(times),
            "p50_ms": _pct(times, 50),
            "p95_ms": _pct(times, 95),
            "errors": errors,
        }
        for route, (times, errors) in results.items()
    ]
    if args.format == "json":
        summary = {"backend": backend, "users": args.users, "workers": args.workers, "think_s": args.think}
        print(json.dumps({**summary, "routes": rows}))
        return
    pause = f"pausing {args.think:g} s on average between requests" if args.think else "without pauses"
    say(f"{args.users} users at once, {pause}, {args.workers} workers, {backend}:")
    width = max(len(r["route"]) for r in rows)
    say(f"{'route'.ljust(width)}  requests   p50 ms   p95 ms  errors")
    for r in rows:
        say(
            f"{r['route'].ljust(width)}  {r['requests']:>8}  {r['p50_ms']:>7.1f}  "
            f"{r['p95_ms']:>7.1f}  {r['errors']:>6}"
        )


def _targets(city: Any, p: province.Province) -> dict[str, list[str]]:
    """Objects to ask for: transfers, their projects and listings, the counties, the last year."""
    moved = transfers.list_transfers(city)
    random.seed(7)
    sample = random.sample(moved, min(200, len(moved)))
    year = p.through[:4]
    counties = province.counties()
    return {
        "transfer": [str(t["id"]) for t in sample],
        "project": [str(t["project"]) for t in sample],
        "listing": [str(t["id"]) for t in sample],  # one listing per transfer, numbered alike
        "county": counties,
        "year": [year],
    }


ROUTES: list[tuple[str, str, bool]] = [  # (name, path pattern, API)
    ("page /listings", "/listings", False),
    ("page /listings/{id}", "/listings/{listing}", False),
    ("page /projects/{code}", "/projects/{project}", False),
    ("page /transfers/{id}", "/transfers/{transfer}", False),
    ("page /reports/statement/{region}", "/reports/statement/{county}?year={year}", False),
    ("api /listings?status=open", "/api/v1/listings?status=open", True),
    ("api /listings/{id}", "/api/v1/listings/{listing}", True),
    ("api /projects?host={region}", "/api/v1/projects?host={county}", True),
    ("api /transfers?project={code}", "/api/v1/transfers?project={project}", True),
    ("api /transfers/{id}", "/api/v1/transfers/{transfer}", True),
    ("api /reports/statement/{region}", "/api/v1/reports/statement/{county}?year={year}", True),
]


def _load(
    base: str, actor: str, token: str, targets: dict[str, list[str]], users: int, rounds: int, think: float
) -> dict[str, tuple[list[float], int]]:
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    start = threading.Barrier(users)

    def user(n: int) -> None:
        rng = random.Random(n)
        with (
            httpx.Client(base_url=base, timeout=120) as pages,
            httpx.Client(base_url=base, timeout=120, auth=(actor, token)) as api,
        ):
            _sign_in(pages, actor, token)
            start.wait()
            plan = [(name, pattern, is_api) for name, pattern, is_api in ROUTES for _ in range(rounds)]
            rng.shuffle(plan)
            for name, pattern, is_api in plan:
                if think:
                    time.sleep(rng.uniform(0.5, 1.5) * think)  # a person reading the last page
                path = pattern.format(**{k: rng.choice(v) for k, v in targets.items()})
                began = time.perf_counter()
                response = (api if is_api else pages).get(path)
                took = (time.perf_counter() - began) * 1000
                with lock:
                    times[name].append(took)
                    if response.status_code != 200:
                        errors[name] += 1

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {name: (times[name], errors[name]) for name, _, _ in ROUTES}


def _sign_in(client: httpx.Client, actor: str, token: str) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, "no sign-in form"
    signed = client.post("/login", data={"actor": actor, "token": token, "csrf": csrf.group(1)})
    if signed.status_code != 303:
        raise SystemExit(f"sign-in failed: {signed.status_code}")


def _pct(values: list[float], q: int) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(1200):
        if server.poll() is not None:
            raise SystemExit("pool serve stopped before answering")
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("pool serve did not answer")


if __name__ == "__main__":
    main()
