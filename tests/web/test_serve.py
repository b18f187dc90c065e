"""`pool serve` and `pool demo --serve` as people start them: a real server process on a free
port, answering with the security headers, and the demo's printed tokens signing in."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(base: str, process: subprocess.Popen[str]) -> None:
    for _ in range(600):
        assert process.poll() is None, process.stdout.read() if process.stdout else "stopped"
        try:
            if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("the server did not answer")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, str]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POOL_")}
    process = subprocess.Popen(
        [sys.executable, "-c", "from pool.cli import main; main()", "demo", "--dir", str(tmp_path)]
        + ["--serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        printed = ""
        assert process.stdout is not None
        while "Stop with Ctrl-C." not in printed:
            line = process.stdout.readline()
            assert line, printed
            printed += line
        _wait(base, process)
        yield base, printed
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_demo_serves_its_pool_and_prints_tokens_that_sign_in(demo: tuple[str, str]) -> None:
    base, printed = demo
    assert f"Serving the demo pool on {base}/" in printed
    tokens = dict(re.findall(r"^  ([a-z-]+)\s+(\S{40,})$", printed, re.M))
    assert {"city-office", "luonan-bureau", "policy-desk", "audit-bureau"} <= set(tokens)
    with httpx.Client(base_url=base, follow_redirects=True) as client:
        page = client.get("/login")
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        signed = client.post(
            "/login", data={"actor": "luonan-bureau", "token": tokens["luonan-bureau"], "csrf": csrf.group(1)}
        )
        assert signed.status_code == 200 and "钼精深加工项目" in client.get("/projects").text
        cookie = signed.history[0].headers["set-cookie"]
        assert "HttpOnly" in cookie and "Secure" not in cookie  # plain HTTP on loopback
    me = httpx.get(f"{base}/api/v1/me", auth=("audit-bureau", tokens["audit-bureau"]))
    assert me.json() == {"actor": "audit-bureau", "role": "auditor", "region": None}
