"""The web application served in-process (Starlette's test client) on a pool, with a clock the
tests move, and the CLI driver on the same database."""

import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pool.bootstrap import Adapters, sql_database, utc_now
from pool.config import Settings
from support.driver import Pool

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from pool.web.app import create_app
from pool.web.config import WebConfig


@dataclass
class Clock:
    now: datetime = field(default_factory=utc_now)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Web:
    """The application on a copy of the seeded pool, with the CLI driver on the same database."""

    def __init__(self, url: str, tokens: dict[str, str], config: WebConfig | None = None) -> None:
        self.url = url
        self.clock = Clock()
        self.pool = Pool(url)
        self.pool.tokens.update(tokens)
        self.pool.adapters = Adapters(clock=self.clock, database=sql_database)
        self.config = config or WebConfig(secure_cookies=False)
        self.app = create_app(Settings(url, None, None), Adapters(clock=self.clock), self.config)
        self.clients: list[TestClient] = []

    @property
    def tokens(self) -> dict[str, str]:
        return self.pool.tokens

    def client(self, **kwargs: Any) -> TestClient:
        client = TestClient(self.app, **{"base_url": "http://127.0.0.1", **kwargs})
        self.clients.append(client)
        return client

    def login(self, actor: str, token: str | None = None) -> TestClient:
        client = self.client()
        response = self.sign_in(client, actor, token)
        assert response.status_code == 303, response.text
        return client

    def sign_in(self, client: TestClient, actor: str, token: str | None = None) -> Any:
        page = client.get("/login")
        csrf = hidden(page.text, "csrf")
        return client.post(
            "/login",
            data={
                "actor": actor,
                "token": self.tokens.get(actor, "") if token is None else token,
                "csrf": csrf,
            },
            follow_redirects=False,
        )

    def api(self, actor: str | None, token: str | None = None) -> TestClient:
        client = self.client()
        if actor is not None:
            client.auth = (actor, token if token is not None else self.tokens[actor])
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.app.state.runtime.close()
        self.pool.close()


def hidden(text: str, name: str) -> str:
    """The value of the hidden input `name` in a page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', text)
    assert found, f"no hidden {name} in the page"
    return found.group(1)
