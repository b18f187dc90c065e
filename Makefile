# Every check in one command. `make check`: lint, format, types, import contracts and the fast
# tier of the tests (what a developer runs before a commit); `make ci` adds the slow tiers
# (reliability, soak, heavy properties), as .ci/run does.
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: check lint test slow ci

check: lint test

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy pool
	$(BIN)/lint-imports

test:
	$(BIN)/python -m pytest --durations=15

slow:
	$(BIN)/python -m pytest -m "reliability or soak or heavy" --durations=15

ci: check slow
