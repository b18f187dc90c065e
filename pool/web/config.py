"""How the web application runs: session lifetimes, sign-in limits and the cookie's Secure flag."""

import os
from dataclasses import dataclass, field
from datetime import timedelta

from pool.services.web_sessions import Limits

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class WebConfig:
    limits: Limits = field(default_factory=Limits)
    # Secure cookies are sent only over HTTPS; plain HTTP is acceptable on loopback alone.
    secure_cookies: bool = True

    @classmethod
    def for_host(cls, host: str, *, tls: bool = False) -> "WebConfig":
        """The configuration for serving on `host`, with the lifetimes from the environment."""
        limits = Limits(
            idle=timedelta(minutes=_env_int("POOL_WEB_IDLE_MINUTES", 120)),
            absolute=timedelta(hours=_env_int("POOL_WEB_SESSION_HOURS", 12)),
        )
        return cls(limits=limits, secure_cookies=tls or host not in LOOPBACK)


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None
    if number <= 0:
        raise SystemExit(f"{name} must be positive, not {value!r}.")
    return number
