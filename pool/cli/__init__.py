"""The `pool` command line: parse arguments, call one service, render. No business logic here."""
