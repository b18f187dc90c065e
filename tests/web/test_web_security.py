"""Sign-in, sessions, CSRF, the sign-in limit, security headers, escaping and tokens kept secret."""

import hashlib
import re

import pytest
from support.web import Web, hidden

from pool.web.config import WebConfig
from pool.web.security import same_token

PAGES = ["/", "/projects", "/projects/ZS-001", "/listings", "/listings/1", "/claims", "/transfers"]


def _claims(web: Web) -> list[dict[str, object]]:
    return web.pool.rows("claims")


# headers


@pytest.mark.parametrize("path", ["/login", "/", "/static/pool.js", "/api/v1/me", "/api/v1/openapi.json"])
def test_every_response_carries_the_security_headers(web: Web, path: str) -> None:
    response = web.client().get(path, follow_redirects=False)
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["default-src"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_pages_hold_no_inline_script_and_load_nothing_from_outside(web: Web) -> None:
    client = web.login("city-office")
    for path in [*PAGES, "/claims/1", "/projects/new", "/login", "/api/v1/docs"]:
        text = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert re.search(r'src="/static/', tag), (path, tag)
        assert not re.search(r"<script\b[^>]*>[^<]+</script>", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert "http://" not in text and "https://" not in text, path


def test_the_api_docs_page_uses_local_assets(web: Web) -> None:
    client = web.client()
    page = client.get("/api/v1/docs").text
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert client.get(asset).status_code == 200, asset
    schema = client.get("/api/v1/openapi.json").json()
    assert all(path.startswith("/api/v1/") for path in schema["paths"]), sorted(schema["paths"])


# the session cookie


def test_the_session_cookie_is_http_only_lax_and_holds_a_key_stored_hashed(web: Web) -> None:
    client = web.client()
    response = web.sign_in(client, "zhashui-bureau")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("pool_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    key = cookie.split(";")[0].split("=", 1)[1]
    rows = web.pool.rows("web_sessions")
    assert len(rows) == 1
    assert rows[0]["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in repr(rows)


def test_the_cookie_is_secure_unless_served_on_loopback(web: Web) -> None:
    assert WebConfig.for_host("127.0.0.1").secure_cookies is False
    assert WebConfig.for_host("0.0.0.0").secure_cookies is True
    assert WebConfig.for_host("10.2.3.4").secure_cookies is True
    secure = Web(web.url, web.tokens, WebConfig(secure_cookies=True))
    try:
        client = secure.client(base_url="https://127.0.0.1")
        response = secure.sign_in(client, "zhashui-bureau")
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("pool_session="))
        assert "Secure" in cookie
    finally:
        secure.close()


def test_a_session_id_set_before_sign_in_is_not_kept(web: Web) -> None:
    victim = web.client()
    victim.cookies.set("pool_session", "chosen-by-an-attacker", domain="127.0.0.1")
    response = web.sign_in(victim, "zhashui-bureau")
    assert response.status_code == 303
    assert victim.cookies.get("pool_session") != "chosen-by-an-attacker"
    attacker = web.client()
    attacker.cookies.set("pool_session", "chosen-by-an-attacker", domain="127.0.0.1")
    assert attacker.get("/", follow_redirects=False).headers["location"] == "/login"


def test_signing_in_again_ends_the_session_the_browser_held(web: Web) -> None:
    client = web.login("zhashui-bureau")
    first = client.cookies.get("pool_session")
    web.sign_in(client, "zhashui-bureau")
    assert client.cookies.get("pool_session") != first
    assert len(web.pool.rows("web_sessions")) == 1
    stale = web.client()
    stale.cookies.set("pool_session", first, domain="127.0.0.1")
    assert stale.get("/", follow_redirects=False).status_code == 303


def test_sign_out_deletes_the_session(web: Web) -> None:
    client = web.login("zhashui-bureau")
    key = client.cookies.get("pool_session")
    page = client.get("/")
    response = client.post("/logout", data={"csrf": hidden(page.text, "csrf")}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert web.pool.rows("web_sessions") == []
    again = web.client()
    again.cookies.set("pool_session", key, domain="127.0.0.1")
    assert again.get("/", follow_redirects=False).headers["location"] == "/login"


def test_a_revoked_actor_is_refused_on_its_next_request(web: Web) -> None:
    client = web.login("danfeng-bureau")
    assert client.get("/").status_code == 200
    web.pool.ok("city-office", "actor", "revoke", "danfeng-bureau")
    assert web.pool.rows("web_sessions") == []
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert web.sign_in(web.client(), "danfeng-bureau").status_code == 401


def test_a_session_survives_a_revocation_that_failed(web: Web) -> None:
    """Only a revocation that happened ends sessions: a refused one leaves them alone."""
    client = web.login("zhashui-bureau")
    web.pool.run("shangzhou-bureau", "actor", "revoke", "zhashui-bureau")
    assert client.get("/").status_code == 200


def test_a_session_ends_when_idle_and_when_old(web: Web) -> None:
    client = web.login("zhashui-bureau")
    web.clock.advance(minutes=119)
    assert client.get("/").status_code == 200
    web.clock.advance(minutes=121)
    assert client.get("/", follow_redirects=False).status_code == 303

    client = web.login("zhashui-bureau")
    for _ in range(23):  # active every half hour, for 11.5 hours
        web.clock.advance(minutes=30)
        assert client.get("/").status_code == 200
    web.clock.advance(minutes=31)
    assert client.get("/", follow_redirects=False).status_code == 303


# CSRF


def test_sign_in_needs_the_form_token(web: Web) -> None:
    client = web.client()
    for data in (
        {"actor": "zhashui-bureau", "token": web.tokens["zhashui-bureau"]},
        {"actor": "zhashui-bureau", "token": web.tokens["zhashui-bureau"], "csrf": ""},
        {"actor": "zhashui-bureau", "token": web.tokens["zhashui-bureau"], "csrf": "forged"},
    ):
        client.get("/login")
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 403
    assert web.pool.rows("web_sessions") == []


@pytest.mark.parametrize("given", [None, "", "forged-token"], ids=["missing", "empty", "forged"])
def test_a_state_change_without_the_session_csrf_token_is_refused(web: Web, given: str | None) -> None:
    client = web.login("danfeng-bureau")
    before, audit = web.pool.snapshot(), len(web.pool.rows("audit_log"))
    data = {"note": "有厂房"} | ({} if given is None else {"csrf": given})
    response = client.post("/listings/1/claims", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert web.pool.snapshot() == before
    assert len(web.pool.rows("audit_log")) == audit
    headers = {} if given is None else {"X-CSRF-Token": given}
    response = client.post("/listings/1/claims", data={"note": "x"}, headers=headers, follow_redirects=False)
    assert response.status_code == 403
    assert web.pool.snapshot() == before


def test_another_session_s_csrf_token_is_refused(web: Web) -> None:
    other = web.login("shangzhou-bureau")
    token = hidden(other.get("/").text, "csrf")
    client = web.login("danfeng-bureau")
    before = web.pool.snapshot()
    response = client.post("/listings/1/claims", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 403
    assert web.pool.snapshot() == before


def test_the_session_csrf_token_in_the_form_or_the_htmx_header_is_accepted(web: Web) -> None:
    client = web.login("danfeng-bureau")
    token = hidden(client.get("/listings/1").text, "csrf")
    response = client.post(
        "/listings/1/claims", data={"csrf": token, "note": "有厂房"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert [c["claimant"] for c in _claims(web)] == ["shangzhou", "danfeng"]
    response = client.post("/claims/2/withdraw", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert _claims(web)[1]["status"] == "withdrawn"


def test_empty_tokens_never_match() -> None:
    assert not same_token("", "")
    assert not same_token(None, None)
    assert not same_token("abc", "")
    assert same_token("abc", "abc")


# the sign-in limit


def test_failed_sign_ins_are_limited_per_actor_and_audited(web: Web) -> None:
    client = web.client()
    for _ in range(5):
        assert web.sign_in(client, "zhashui-bureau", token="wrong").status_code == 401
    response = web.sign_in(client, "zhashui-bureau")  # the right token, too late
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert web.pool.rows("web_sessions") == []
    logins = [a for a in web.pool.rows("audit_log") if a["action"] == "web.login"]
    assert [a["outcome"] for a in logins] == ["denied"] * 6
    assert all(a["actor"] == "zhashui-bureau" for a in logins)
    assert '"limited": true' in logins[-1]["detail"]
    assert web.sign_in(web.client(), "shangzhou-bureau").status_code == 303  # another actor is free
    web.clock.advance(minutes=15, seconds=1)
    assert web.sign_in(client, "zhashui-bureau").status_code == 303


def test_failed_sign_ins_are_limited_per_address(web: Web) -> None:
    client = web.client()
    for n in range(20):
        assert web.sign_in(client, f"nobody-{n}", token="wrong").status_code == 401
    response = web.sign_in(client, "zhashui-bureau")
    assert response.status_code == 429 and "retry-after" in response.headers


def test_a_wrong_sign_in_says_nothing_of_which_part_was_wrong(web: Web) -> None:
    unknown = web.sign_in(web.client(), "nobody", token="x").text
    wrong = web.sign_in(web.client(), "zhashui-bureau", token="x").text
    assert _message(unknown) == _message(wrong)


def _message(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', page)
    assert found
    return found.group(1)


# escaping and secrets


def test_typed_text_is_stored_verbatim_and_rendered_as_text(web: Web) -> None:
    client = web.login("zhashui-bureau")
    token = hidden(client.get("/projects/new").text, "csrf")
    evil = "<script>alert(1)</script>"
    response = client.post(
        "/projects",
        data={
            "csrf": token,
            "code": "ZS-077",
            "name": evil,
            "investor": 'A "quoted" & <b>bold</b> investor',
            "chain": "electronics",
            "kind": "manufacturing",
            "investment": "50000000",
            "capital_source": "out_of_city",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert web.pool.one("projects", code="ZS-077")["name"] == evil
    for path in ("/projects", "/projects/ZS-077", "/projects?search=script"):
        text = client.get(path).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert evil not in text and "<b>bold</b>" not in text


def test_no_response_shows_a_token_but_the_one_that_creates_it(web: Web) -> None:
    secrets_ = list(web.tokens.values())
    seen: list[str] = []
    city = web.login("city-office")
    for path in [*PAGES, "/claims/1", "/audit", "/actors"]:
        seen.append(city.get(path).text)
    api = web.api("city-office")
    for path in ("/api/v1/me", "/api/v1/projects", "/api/v1/audit", "/api/v1/actors", "/api/v1/listings/1"):
        seen.append(api.get(path).text)
    seen.append(web.api("city-office", token="wrong").get("/api/v1/me").text)
    seen.append(web.sign_in(web.client(), "city-office", token=web.tokens["zhashui-bureau"]).text)
    for text in seen:
        for token in secrets_:
            assert token not in text
    audit = repr(web.pool.rows("audit_log"))
    assert not any(token in audit for token in secrets_)
