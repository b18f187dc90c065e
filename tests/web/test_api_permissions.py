"""Every API route of the command line's permission table, under every role, a wrong token and no
credentials: the same actor/command pairs are allowed and denied as on the command line
(tests/cli/test_permissions.py), a refused request changes nothing but its audit row, and what a
read returns is what `--format json` prints for the same command."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from support.web import Web

from tests.cli.test_permissions import CASES, IDENTITIES, LIBRARY, WRITES, _expected
from tests.cli.test_permissions import template as permission_template

template = permission_template  # the CLI's seeded pool, as a fixture of this module too

# How each command of the table is asked of the API: (method, path, JSON body or upload).
ROUTES: dict[str, tuple[str, str, Any]] = {
    "region list": ("GET", "/api/v1/regions", None),
    "actor add": ("POST", "/api/v1/actors", {"name": "new-bureau", "role": "county", "region": "luonan"}),
    "actor list": ("GET", "/api/v1/actors", None),
    "project add": (
        "POST",
        "/api/v1/projects",
        {
            "code": "ZS-009",
            "name": "硅基新材料项目",
            "investor": "陕有色",
            "chain": "new_materials",
            "kind": "manufacturing",
            "investment": "50000000",
            "capital_source": "out_of_city",
            "origin": "zhashui",
        },
    ),
    "project list": ("GET", "/api/v1/projects", None),
    "project show": ("GET", "/api/v1/projects/ZS-001", None),
    "project stage": ("POST", "/api/v1/projects/ZS-001/stage", {"stage": "negotiating"}),
    "listing open": ("POST", "/api/v1/listings", {"project": "ZS-002", "reason": "用地不足"}),
    "listing list": ("GET", "/api/v1/listings", None),
    "listing show": ("GET", "/api/v1/listings/1", None),
    "listing withdraw": ("POST", "/api/v1/listings/1/withdraw", None),
    "claim submit": ("POST", "/api/v1/listings/1/claims", {}),
    "claim withdraw": ("POST", "/api/v1/claims/1/withdraw", None),
    "claim approve": (
        "POST",
        "/api/v1/claims/1/approve",
        {"effective": "2024-08", "ruleset": "pool-test", "agreement": {"pre_move_tax_3y": "1800000"}},
    ),
    "claim reject": ("POST", "/api/v1/claims/1/reject", {"reason": "不符合产业定位"}),
    "transfer list": ("GET", "/api/v1/transfers", None),
    "transfer show": ("GET", "/api/v1/transfers/9", None),
    "rules publish": ("UPLOAD", "/api/v1/rules", LIBRARY / "shangluo-default.yaml"),
    "rules list": ("GET", "/api/v1/rules", None),
    "audit": ("GET", "/api/v1/audit", None),
    "actor revoke": ("POST", "/api/v1/actors/policy-desk/revoke", None),
    "ledger checkpoint": ("GET", "/api/v1/ledger/checkpoint", None),
    "ledger verify": ("GET", "/api/v1/ledger/verify", None),
    "ledger verify --deep": ("GET", "/api/v1/ledger/verify?deep=true", None),
    "ledger export": ("GET", "/api/v1/ledger/export?format=csv", None),
    "report bulletin": ("GET", "/api/v1/reports/bulletin?period=2024Q3", None),
    "report assessment": ("GET", "/api/v1/reports/assessment?year=2024&scheme=table-assessment", None),
}
# A backup writes a file on the server's disk: the command line's alone, with no API route.
API_CASES = [c for c in CASES if c[0] != "db backup"]
CREATED = {"actor add", "project add", "listing open", "claim submit", "claim approve", "rules publish"}
STATUS = {1: 422, 3: 403}
CODE = {422: "invalid", 403: "denied", 401: "unauthenticated"}


def test_every_command_of_the_table_has_a_route() -> None:
    assert {c[0] for c in API_CASES} == set(ROUTES)


def _call(web: Web, client: Any, name: str) -> Any:
    method, path, body = ROUTES[name]
    if method == "GET":
        return client.get(path)
    if method == "UPLOAD":
        return client.post(path, files={"file": (body.name, body.read_bytes(), "application/yaml")})
    return client.post(path, json=body) if body is not None else client.post(path)


@pytest.mark.parametrize("identity", [*IDENTITIES, "wrong-token", "no-actor"])
@pytest.mark.parametrize("name,args,allowed,others", API_CASES, ids=[c[0] for c in API_CASES])
def test_route_under_identity(
    template: tuple[Path, dict[str, str]],
    tmp_path: Path,
    identity: str,
    name: str,
    args: list[str],
    allowed: set[str],
    others: dict[str, int],
) -> None:
    source, tokens = template
    shutil.copy(source, tmp_path / "pool.db")
    web = Web(f"sqlite:///{tmp_path / 'pool.db'}", tokens)
    try:
        pool = web.pool
        before, audit_before = pool.snapshot(), len(pool.rows("audit_log"))
        if identity == "wrong-token":
            client, expected = web.api("city-office", token="not-the-token"), 401
        elif identity == "no-actor":
            client, expected = web.api(None), 401
        else:
            exit_code = _expected(identity, allowed, others)
            client = web.api(identity)
            expected = (201 if name in CREATED else 200) if exit_code == 0 else STATUS[exit_code]
        response = _call(web, client, name)
        assert response.status_code == expected, response.text
        if expected >= 400:
            body = response.json()
            assert set(body) == {"error", "code"} and body["code"] == CODE[expected]
            assert body["error"] and "Traceback" not in body["error"]
            assert pool.snapshot() == before
            if expected == 401:
                assert response.headers["www-authenticate"].startswith("Basic")
        if name in WRITES:
            audit = pool.rows("audit_log")
            assert len(audit) == audit_before + 1
            outcome = {200: "ok", 201: "ok", 422: "invalid", 403: "denied", 401: "denied"}[expected]
            assert audit[-1]["outcome"] == outcome
            assert audit[-1]["action"] == name.replace(" ", ".")
        else:
            assert len(pool.rows("audit_log")) == audit_before
            if expected == 200 and name == "ledger export":
                assert response.text == web.pool.ok(identity, *args).stdout
            elif expected == 200:
                assert _same_as_cli(web, identity, name, args, response.json())
    finally:
        web.close()


def _same_as_cli(web: Web, identity: str, name: str, args: list[str], got: Any) -> bool:
    if name == "ledger checkpoint":  # the command prints the checkpoint file itself
        printed = json.loads(web.pool.ok(identity, *args).stdout)
        return {k: v for k, v in printed.items() if k != "at"} == {k: v for k, v in got.items() if k != "at"}
    return web.pool.json(identity, *args) == got
