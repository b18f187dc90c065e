"""The `pool` command line: parse arguments, call one service, render. No business logic here."""

from pool.cli.root import main

__all__ = ["main"]
