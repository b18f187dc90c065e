"""A seeded pool served by the web application: zhashui hosts and has listed ZS-001 (listing 1),
shangzhou has claimed it (claim 1), and every role has an actor (see `support.driver.seeded`);
the main story's new pool; and the hand-computed bulletin pool with its assessment scheme."""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.bulletin import bulletin_pool
from support.driver import Pool, seeded
from support.web import Web

from pool.store.engine import make_engine

STORY_ACTORS = (
    ("luonan-bureau", "county", "luonan"),
    ("shangzhou-bureau", "county", "shangzhou"),
    ("policy-desk", "policy", None),
    ("audit-bureau", "auditor", None),
)
LIBRARY = Path(__file__).resolve().parents[2] / "pool" / "rules" / "library"


def _template(
    folder: Path, sqlite_template: Path, build: Callable[[str, Path], Pool]
) -> tuple[Path, dict[str, str]]:
    """A pool built once per session by `build(url, folder)` (with cheap token hashing), kept as a
    file each test copies, with its actors' tokens."""
    path = folder / "pool.db"
    shutil.copy(sqlite_template, path)
    from pool.domain import tokens

    saved, tokens._N = tokens._N, 2**8
    try:
        pool = build(f"sqlite:///{path}", folder)
    finally:
        tokens._N = saved
    pool.close()
    make_engine(f"sqlite:///{path}").dispose()
    return path, dict(pool.tokens)


def _served(tmp_path: Path, template: tuple[Path, dict[str, str]]) -> Iterator[Web]:
    source, tokens = template
    shutil.copy(source, tmp_path / "pool.db")
    served = Web(f"sqlite:///{tmp_path / 'pool.db'}", tokens)
    yield served
    served.close()


@pytest.fixture(scope="session")
def seeded_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, dict[str, str]]:
    return _template(tmp_path_factory.mktemp("web-seeded"), sqlite_template, lambda url, _: seeded(url))


@pytest.fixture
def web(tmp_path: Path, seeded_template: tuple[Path, dict[str, str]]) -> Iterator[Web]:
    yield from _served(tmp_path, seeded_template)


def _story(url: str, _folder: Path) -> Pool:
    pool = Pool(url)
    pool.init()
    for name, role, region in STORY_ACTORS:
        pool.add_actor(name, role, region)
    pool.ok("policy-desk", "rules", "publish", str(LIBRARY / "shangluo-default.yaml"))
    return pool


@pytest.fixture(scope="session")
def story_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, dict[str, str]]:
    """A new pool of 商洛市 with the city office, two counties, policy and audit actors, and the
    city's default ruleset published: where the main story starts."""
    return _template(tmp_path_factory.mktemp("web-story"), sqlite_template, _story)


@pytest.fixture
def story(tmp_path: Path, story_template: tuple[Path, dict[str, str]]) -> Iterator[Web]:
    yield from _served(tmp_path, story_template)


def _bulletin(url: str, folder: Path) -> Pool:
    from tests.cli.test_assessment import SCHEME

    pool = bulletin_pool(url)
    pool.add_actor("audit-bureau", "auditor")
    scheme = folder / "assessment-2025.yaml"
    scheme.write_text(SCHEME, encoding="utf-8")
    pool.ok("policy-desk", "assessment", "publish", str(scheme))
    return pool


@pytest.fixture(scope="session")
def bulletin_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, dict[str, str]]:
    """The hand-computed bulletin pool (tests/support/bulletin.py: 2025 settled through March, with
    targets) with an auditor, and the 2025 assessment scheme of tests/cli/test_assessment.py
    published."""
    return _template(tmp_path_factory.mktemp("web-bulletin"), sqlite_template, _bulletin)


@pytest.fixture
def reports(tmp_path: Path, bulletin_template: tuple[Path, dict[str, str]]) -> Iterator[Web]:
    yield from _served(tmp_path, bulletin_template)
