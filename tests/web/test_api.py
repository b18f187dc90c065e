"""The HTTP API beyond the permission table: identities, bodies equal to the command line's JSON,
conflicts, malformed requests, and actuals uploads that refuse every bad row."""

from support.web import Web

BAD_ACTUALS = (
    "project,period,metric,amount,note\n"
    "ZS-001,2024-08,tax_local,1250000.00,八月\n"
    "ZS-001,2024-13,tax_local,10,\n"
    "NOPE,2024-08,tax_local,10,\n"
)


def test_me_names_the_actor_its_role_and_region(web: Web) -> None:
    assert web.api("zhashui-bureau").get("/api/v1/me").json() == {
        "actor": "zhashui-bureau",
        "role": "county",
        "region": "zhashui",
    }
    assert web.api("policy-desk").get("/api/v1/me").json()["region"] is None


def test_a_created_project_is_what_the_command_line_shows(web: Web) -> None:
    response = web.api("danfeng-bureau").post(
        "/api/v1/projects",
        json={
            "code": "DF-001",
            "name": "中药材精深加工",
            "investor": "丹凤药业",
            "chain": "green_food",
            "kind": "manufacturing",
            "investment": "120000000.50",
            "capital_source": "out_of_province",
        },
    )
    assert response.status_code == 201, response.text
    shown = web.pool.json("danfeng-bureau", "project", "show", "DF-001")
    assert {k: v for k, v in shown.items() if k != "transfers"} == response.json()
    assert web.api("audit-bureau").get("/api/v1/projects/DF-001").json() == shown
    found = web.api("audit-bureau").get("/api/v1/projects", params={"search": "丹凤"}).json()
    assert [p["code"] for p in found] == ["DF-001"]
    assert web.pool.json("audit-bureau", "project", "list", "--search", "丹凤") == found


def test_a_second_decision_on_a_claim_is_a_conflict(web: Web) -> None:
    city = web.api("city-office")
    first = city.post("/api/v1/claims/1/reject", json={"reason": "用地不足"})
    assert first.status_code == 200
    before = web.pool.snapshot()
    again = city.post(
        "/api/v1/claims/1/approve",
        json={"effective": "2024-08", "ruleset": "pool-test", "agreement": {"pre_move_tax_3y": "1800000"}},
    )
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    cli = web.pool.run(
        "city-office",
        "claim",
        "approve",
        "1",
        "--effective",
        "2024-08",
        "--ruleset",
        "pool-test",
        "--agreement",
        "pre_move_tax_3y=1800000",
    )
    assert cli.exit_code == 4
    assert cli.stderr.strip() == f"Error: {again.json()['error']}"
    assert web.pool.snapshot() == before
    assert web.pool.last_audit()["outcome"] == "conflict"


def test_malformed_requests_are_400_and_change_nothing(web: Web) -> None:
    city = web.api("city-office")
    before = web.pool.snapshot()
    for response in (
        city.post(
            "/api/v1/claims/1/reject", content=b"{not json", headers={"content-type": "application/json"}
        ),
        city.post("/api/v1/claims/1/reject", json={}),
        city.post("/api/v1/claims/1/reject", json={"reason": "x", "extra": 1}),
        city.get("/api/v1/listings/not-a-number"),
        city.get("/api/v1/reports/payables"),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "malformed" and response.json()["error"]
    assert web.pool.snapshot() == before


def test_an_actuals_upload_with_bad_rows_names_each_and_stores_nothing(web: Web) -> None:
    city = web.api("city-office")
    response = city.post("/api/v1/actuals", files={"file": ("2024-08.csv", BAD_ACTUALS.encode(), "text/csv")})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "row 3" in error and "row 4" in error
    assert "2024-08.csv" in error and "pool-upload" not in error
    assert web.pool.rows("actuals") == []
    assert city.get("/api/v1/actuals").json() == []


def test_a_restatement_without_a_reason_is_malformed(web: Web) -> None:
    response = web.api("city-office").post(
        "/api/v1/actuals",
        files={"file": ("a.csv", b"project,period,metric,amount\n", "text/csv")},
        data={"restate": "true"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "restate needs a reason saying why the values change.",
        "code": "malformed",
    }


def test_the_schema_describes_the_bodies_and_the_errors(web: Web) -> None:
    schema = web.client().get("/api/v1/openapi.json").json()
    approve = schema["paths"]["/api/v1/claims/{claim_id}/approve"]["post"]
    assert "requestBody" in approve and "409" in approve["responses"]
    assert "Approval" in schema["components"]["schemas"]
    assert "/login" not in schema["paths"] and "/" not in schema["paths"]


def test_a_revoked_actor_s_proven_credentials_stop_at_once(web: Web) -> None:
    county = web.api("danfeng-bureau")
    assert county.get("/api/v1/me").status_code == 200  # proven, and remembered
    web.pool.ok("city-office", "actor", "revoke", "danfeng-bureau")
    for response in (
        county.get("/api/v1/me"),
        county.get("/api/v1/projects"),
        county.post("/api/v1/listings/1/claims"),
    ):
        assert response.status_code in (401, 403), response.text
        assert "revoked" in response.json()["error"]
    assert len(web.pool.rows("claims")) == 1


def test_a_wrong_token_is_never_remembered(web: Web) -> None:
    assert web.api("city-office", token="wrong").get("/api/v1/me").status_code == 401
    assert web.api("city-office", token="wrong").get("/api/v1/me").status_code == 401
    assert web.api("city-office").get("/api/v1/me").status_code == 200


def test_a_project_s_listings_are_asked_for_by_its_code(web: Web) -> None:
    found = web.api("policy-desk").get("/api/v1/listings", params={"project": "ZS-001"}).json()
    assert [row["id"] for row in found] == [1]
    assert web.pool.json("policy-desk", "listing", "list", "--project", "ZS-001") == found
    assert web.api("policy-desk").get("/api/v1/listings", params={"project": "NONE"}).json() == []
