"""HTTP statuses for the services' errors: the CLI's exit codes mapped (1 → 422, 3 → 403, 4 → 409)."""

from pool.domain.errors import PermissionDenied, PoolError

CODES = {1: (422, "invalid"), 2: (400, "malformed"), 3: (403, "denied"), 4: (409, "conflict")}


class Malformed(PoolError):
    """A request the command line would refuse as a usage error (exit 2): HTTP 400."""

    exit_code = 2


class Unauthenticated(PermissionDenied):
    """No credentials, or credentials that prove no actor: HTTP 401, not 403."""


def status_of(exc: PoolError) -> tuple[int, str]:
    """The HTTP status and error code of a service's error."""
    if isinstance(exc, Unauthenticated):
        return 401, "unauthenticated"
    return CODES.get(exc.exit_code, (422, "invalid"))
