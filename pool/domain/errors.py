"""Errors the product reports to its users, each with its exit code."""


class PoolError(Exception):
    """A user-facing error: one or two plain sentences, and an exit code."""

    exit_code = 1


class InvalidInput(PoolError):
    """Bad input or a rule violation; nothing was changed (exit 1)."""

    exit_code = 1


class PermissionDenied(PoolError):
    """Unknown actor, wrong token, or a role or region that may not do this (exit 3)."""

    exit_code = 3


class Conflict(PoolError):
    """The object is no longer in a state that allows the action (exit 4)."""

    exit_code = 4
