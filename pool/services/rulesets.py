"""Published rulesets: immutable text and hash; the version in force in a month."""

import hashlib
from pathlib import Path

from pool.domain.errors import InvalidInput
from pool.domain.months import Month, format_month
from pool.rules.checks import check_units_against
from pool.rules.loader import load_ruleset, load_ruleset_text, refusal
from pool.rules.schema import Ruleset
from pool.services import commands, views
from pool.services.auth import require_role
from pool.services.commands import Note
from pool.services.facts import check_text
from pool.services.runtime import Runtime
from pool.store.errors import UniqueViolation
from pool.store.models import Actor, RulesetVersion
from pool.store.uow import UnitOfWork

DEFAULT_RULESET = "shangluo-default"


def read_rule_file(path: str) -> str:
    try:
        return Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {getattr(exc, 'strerror', None) or exc}.") from None


def publish(rt: Runtime, path: str) -> dict[str, object]:
    """Validate a rule file and store its text immutably; the same text again is a no-op."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        note.detail = {"file": path}
        require_role(actor, "policy", doing="publish rulesets")
        text = read_rule_file(path)
        ruleset = load_ruleset(text, path).ruleset
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        note.target = f"ruleset:{ruleset.ruleset}@{ruleset.version}"
        note.detail["sha256"] = digest
        uow.lock_rulesets(f"publish {ruleset.ruleset} {ruleset.version} by {actor.name}")
        existing = uow.rulesets.find(ruleset.ruleset, ruleset.version)
        if existing is not None:
            return _republished(existing, digest)
        problems = list(check_units_against(ruleset, _published(uow)))
        if problems:
            raise refusal(text, path, problems)
        version = RulesetVersion(
            ruleset=ruleset.ruleset,
            version=ruleset.version,
            title=ruleset.title,
            effective_from=ruleset.effective_from,
            effective_until=ruleset.effective_until,
            text=text,
            sha256=digest,
            published_by=actor.id,
            published_at=rt.now(),
        )
        uow.rulesets.add(version)
        try:
            uow.flush()
        except UniqueViolation:
            raise InvalidInput(
                f"Ruleset {ruleset.ruleset} version {ruleset.version} was "
                "published a moment ago by someone else."
            ) from None
        uow.journal.record("ruleset", [version.id])
        return {**_view(version), "published": True}

    return commands.write(rt, "rules.publish", body)


def _published(uow: UnitOfWork) -> list[tuple[str, Ruleset]]:
    """Every published version, in the order they were published."""
    stored = sorted(uow.rulesets.versions(), key=lambda v: v.id)
    return [
        (f"{v.ruleset} {v.version}", load_ruleset_text(v.text, f"{v.ruleset}@{v.version}")) for v in stored
    ]


def _republished(existing: RulesetVersion, digest: str) -> dict[str, object]:
    if existing.sha256 != digest:
        raise InvalidInput(
            f"Ruleset {existing.ruleset} version {existing.version} is already "
            "published with different text; publish the change as a new version."
        )
    return {**_view(existing), "published": False}


def _view(v: RulesetVersion) -> dict[str, object]:
    return {
        "id": v.id,
        "ruleset": v.ruleset,
        "version": v.version,
        "title": v.title,
        "effective_from": format_month(v.effective_from),
        "effective_until": views.month(v.effective_until),
        "sha256": v.sha256,
        "published_at": views.when(v.published_at),
    }


def list_versions(rt: Runtime, ruleset: str | None = None) -> list[dict[str, object]]:
    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, object]]:
        return [_view(v) for v in uow.rulesets.versions(ruleset)]

    return commands.read(rt, body)


def show(rt: Runtime, ruleset: str, version: str | None = None) -> dict[str, object]:
    """A published version's full text (the latest published version unless one is named), with
    whether the text still has the sha256 it was published with. Anyone may read it."""

    def body(uow: UnitOfWork, _actor: Actor) -> dict[str, object]:
        versions = uow.rulesets.versions(ruleset)
        if not versions:
            raise InvalidInput(f"No version of ruleset {ruleset!r} is published; see `pool rules list`.")
        if version is None:
            chosen = max(versions, key=lambda v: (v.effective_from, v.published_at, v.id))
        else:
            found = [v for v in versions if v.version == version]
            if not found:
                published = ", ".join(v.version for v in versions)
                raise InvalidInput(f"Ruleset {ruleset} has no version {version!r}; published: {published}.")
            chosen = found[0]
        digest = hashlib.sha256(chosen.text.encode("utf-8")).hexdigest()
        return {**_view(chosen), "text": chosen.text, "text_matches_sha256": digest == chosen.sha256}

    return commands.read(rt, body)


def in_force(uow: UnitOfWork, ruleset: str, month: Month) -> tuple[RulesetVersion, Ruleset]:
    """The published version of `ruleset` in force in `month`: the latest to take effect."""
    versions = uow.rulesets.versions(ruleset)
    if not versions:
        raise InvalidInput(
            f"No version of ruleset {ruleset!r} is published; publish one with "
            "`pool rules publish FILE` first."
        )
    candidates = [
        v
        for v in versions
        if v.effective_from <= month and (v.effective_until is None or month <= v.effective_until)
    ]
    if not candidates:
        spans = ", ".join(
            f"{v.version} ({format_month(v.effective_from)} to {views.month(v.effective_until) or 'open'})"
            for v in versions
        )
        raise InvalidInput(
            f"No published version of ruleset {ruleset} is in force in "
            f"{format_month(month)}; published: {spans}."
        )
    chosen = max(candidates, key=lambda v: (v.effective_from, v.published_at, v.id))
    check_text(chosen.ruleset, chosen.version, chosen.text, chosen.sha256)
    return chosen, load_ruleset_text(chosen.text, f"{ruleset}@{chosen.version}")
