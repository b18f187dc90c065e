"""`pool serve`: the pages of every role and the HTTP API, on the same services as the CLI."""
