"""A serialization failure or deadlock is retried from the start; only the last one is reported."""

from pathlib import Path

import pytest
from support.driver import Pool

from pool.bootstrap import bootstrap
from pool.config import Settings
from pool.domain.errors import Conflict
from pool.services import commands
from pool.services.runtime import Runtime
from pool.store.errors import Retryable


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    pool = Pool(f"sqlite:///{tmp_path / 'pool.db'}")
    pool.init()
    rt = bootstrap(Settings(pool.url, "city-office", pool.tokens["city-office"]))
    yield rt
    rt.close()
    pool.engine.dispose()


def _audit_rows(rt: Runtime, action: str) -> list[str]:
    with rt.uow() as uow:
        return [e.outcome for e in uow.audit.search() if e.action == action]


def test_a_transient_failure_is_retried_and_the_command_succeeds(runtime: Runtime) -> None:
    attempts = []

    def body(uow, actor, note):  # type: ignore[no-untyped-def]
        attempts.append(1)
        if len(attempts) < commands.RETRIES:
            raise Retryable("deadlock")
        return "done"

    assert commands.write(runtime, "test.retry", body) == "done"
    assert len(attempts) == commands.RETRIES
    assert _audit_rows(runtime, "test.retry") == ["ok"]


def test_a_failure_that_persists_is_a_conflict_audited_once(runtime: Runtime) -> None:
    attempts = []

    def body(uow, actor, note):  # type: ignore[no-untyped-def]
        attempts.append(1)
        raise Retryable("Another change to the same objects got there first; try again.")

    with pytest.raises(Conflict) as caught:
        commands.write(runtime, "test.retry", body)
    assert caught.value.exit_code == 4
    assert len(attempts) == commands.RETRIES
    assert _audit_rows(runtime, "test.retry") == ["conflict"]
