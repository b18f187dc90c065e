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
from pool.services.facts import check_text, parsed
from pool.services.runtime import Runtime
from pool.store.default_tables import DefaultRuleset
from pool.store.errors import UniqueViolation
from pool.store.models import Actor, RulesetVersion
from pool.store.uow import UnitOfWork


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


def declared(rules: Ruleset) -> list[dict[str, object]]:
    """The agreement values a ruleset declares: key, type, whether required, default, bounds, label."""
    return [
        {
            "key": key,
            "type": decl.type,
            "required": decl.required,
            "default": None if decl.default is None else str(decl.default),
            "min": None if decl.min is None else str(decl.min),
            "max": None if decl.max is None else str(decl.max),
            "label": decl.label,
        }
        for key, decl in rules.agreement.items()
    ]


def agreement_declared(rt: Runtime, ruleset: str, version: str) -> list[dict[str, object]]:
    """The agreement values a published version declares (a transfer pins one). Anyone may read it."""

    def body(uow: UnitOfWork, _actor: Actor) -> list[dict[str, object]]:
        found = [v for v in uow.rulesets.versions(ruleset) if v.version == version]
        if not found:
            raise InvalidInput(f"Ruleset {ruleset} has no version {version!r}.")
        check_text(found[0].ruleset, found[0].version, found[0].text, found[0].sha256)
        return declared(parsed(found[0].ruleset, found[0].version, found[0].text, found[0].sha256))

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
    return chosen, parsed(chosen.ruleset, chosen.version, chosen.text, chosen.sha256)


def published_ids(uow: UnitOfWork) -> list[str]:
    """The ids of the published rulesets, sorted."""
    return sorted({v.ruleset for v in uow.rulesets.versions()})


def default_ruleset(uow: UnitOfWork) -> str:
    """The ruleset an approval pins when it names none: the pool's default if one is set; else,
    when exactly one ruleset id is published, that one. Otherwise InvalidInput names the ids."""
    chosen = uow.defaults.current()
    if chosen is not None:
        return chosen.ruleset
    ids = published_ids(uow)
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise InvalidInput(
            "No ruleset is published, so an approval has none to pin; publish one with "
            "`pool rules publish FILE` first."
        )
    raise InvalidInput(
        f"The pool has no default ruleset and {len(ids)} are published ({', '.join(ids)}); "
        "name one with --ruleset, or set the default with `pool rules default ID`."
    )


def set_default(rt: Runtime, ruleset: str) -> dict[str, object]:
    """Record `ruleset` as the pool's default (policy or city); choosing the current one is a no-op."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, object]:
        require_role(actor, "policy", "city", doing="set the default ruleset")
        ids = published_ids(uow)
        if ruleset not in ids:
            raise InvalidInput(
                f"No version of ruleset {ruleset!r} is published, so it cannot be the default; "
                f"published: {', '.join(ids) or 'none'}."
            )
        current = uow.defaults.current()
        previous = current.ruleset if current is not None else None
        note.detail = {"previous": previous}
        if previous == ruleset:
            return {"default": ruleset, "previous": previous, "changed": False}
        uow.defaults.add(DefaultRuleset(ruleset=ruleset, set_by=actor.id, set_at=rt.now()))
        return {"default": ruleset, "previous": previous, "changed": True}

    return commands.write(rt, "rules.default", body, target=f"ruleset:{ruleset}")


def record_default(uow: UnitOfWork, rt: Runtime, ruleset: str, actor_id: int | None) -> None:
    """Record a default chosen by setting up the pool (its region preset names one)."""
    uow.defaults.add(DefaultRuleset(ruleset=ruleset, set_by=actor_id, set_at=rt.now()))


def show_default(rt: Runtime) -> dict[str, object]:
    """The pool's default ruleset, what an approval without --ruleset would pin, and the history."""

    def body(uow: UnitOfWork, _actor: Actor) -> dict[str, object]:
        current = uow.defaults.current()
        try:
            used: str | None = default_ruleset(uow)
            why = ""
        except InvalidInput as exc:
            used, why = None, str(exc)
        return {
            "default": current.ruleset if current is not None else None,
            "approvals_pin": used,
            "note": why,
            "history": [
                {"ruleset": row.ruleset, "set_by": name, "set_at": views.when(row.set_at)}
                for row, name in uow.defaults.history()
            ],
        }

    return commands.read(rt, body)
