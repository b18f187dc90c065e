"""Annual assessment (年考核): schemes checked, published and pinned like rulesets, and each
county's score under one, with the arithmetic shown.

A county's completion of an indicator is its attributed amount for the year (January..December,
by described period) over its target for the year; its score is Σ weight × min(completion, cap)
minus its deductions, exact, shown with two decimals.
"""

import hashlib
from fractions import Fraction
from pathlib import Path
from typing import Any

from pool.domain.errors import InvalidInput
from pool.domain.money import format_amount
from pool.domain.periods import percent, rounded
from pool.domain.text import shown
from pool.rules.assessment import Scheme, load_scheme, ranks, score
from pool.rules.attribution import between
from pool.services import commands, views
from pool.services.attribution import cumulative
from pool.services.auth import require_role
from pool.services.commands import Note
from pool.services.rulesets import read_rule_file
from pool.services.runtime import Runtime
from pool.services.targets import known_indicators
from pool.store.errors import UniqueViolation
from pool.store.models import Actor
from pool.store.uow import UnitOfWork


def _names(uow: UnitOfWork) -> dict[str, str]:
    """Every name an indicator may go by in a scheme (code, label, label without its book) -> code."""
    out: dict[str, str] = {}
    for ind in known_indicators(uow).values():
        out[ind.name] = ind.name
        out.setdefault(ind.label, ind.name)
    return out


def _counties(uow: UnitOfWork) -> list[str]:
    return [r.code for r in uow.regions.all() if r.level == "county"]


def _load(uow: UnitOfWork, text: str, source: str) -> Scheme:
    return load_scheme(text, source, _names(uow), _counties(uow))


def check(rt: Runtime, path: str) -> dict[str, Any]:
    """Check a scheme file against the published indicators and the regions. Any role."""

    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        scheme = _load(uow, read_rule_file(path), path)
        return {"scheme": scheme.scheme, "version": scheme.version, "year": scheme.year, "ok": True}

    return commands.read(rt, body)


def publish(rt: Runtime, path: str) -> dict[str, Any]:
    """Publish a scheme: its text stored immutably; the same text again is a no-op. Policy or city."""

    def body(uow: UnitOfWork, actor: Actor, note: Note) -> dict[str, Any]:
        note.detail = {"file": path}
        require_role(actor, "policy", "city", doing="publish assessment schemes")
        text = read_rule_file(path)
        scheme = _load(uow, text, path)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        note.target = f"assessment:{scheme.scheme}@{scheme.version}"
        note.detail["sha256"] = digest
        existing = uow.targets.scheme(scheme.scheme, scheme.version)
        if existing is not None:
            if existing.sha256 != digest:
                raise InvalidInput(
                    f"Scheme {scheme.scheme} version {scheme.version} is already published with other "
                    "text; a published version never changes: give the file a new version."
                )
            return {**_view(existing), "published": False}
        row = uow.targets.add_scheme(
            scheme=scheme.scheme,
            version=scheme.version,
            title=scheme.title,
            year=scheme.year,
            text=text,
            sha256=digest,
            published_by=actor.id,
            published_at=rt.now(),
        )
        try:
            uow.flush()
        except UniqueViolation:
            raise InvalidInput(
                f"Scheme {scheme.scheme} version {scheme.version} was published a moment ago by someone else."
            ) from None
        return {**_view(row), "published": True}

    return commands.write(rt, "assessment.publish", body)


def _view(row: Any) -> dict[str, Any]:
    return {
        "scheme": row.scheme,
        "version": row.version,
        "title": row.title,
        "year": row.year,
        "sha256": row.sha256,
        "published_at": views.when(row.published_at),
    }


def list_schemes(rt: Runtime) -> list[dict[str, Any]]:
    def body(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
        return [_view(r) for r in uow.targets.schemes()]

    return commands.read(rt, body)


def _chosen(uow: UnitOfWork, name: str, drafts: bool) -> tuple[Scheme, dict[str, Any]]:
    """A scheme file (a draft, not pinned; only when `drafts`) or a published one: `ID` (its
    latest version) or `ID@VERSION`."""
    if drafts and Path(name).is_file():
        text = read_rule_file(name)
        scheme = _load(uow, text, name)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return scheme, {"scheme": scheme.scheme, "version": scheme.version, "sha256": sha, "published": False}
    ident, _, version = name.partition("@")
    rows = [r for r in uow.targets.schemes(ident) if not version or r.version == version]
    if not rows and not drafts:
        raise InvalidInput(
            f"There is no published assessment scheme {shown(name)}; policy or the city publishes "
            "one with `pool assessment publish FILE` (`pool assessment list` lists them)."
        )
    if not rows:
        raise InvalidInput(
            f"There is no scheme file or published scheme {shown(name)}; name a file, or a published "
            "scheme as ID or ID@VERSION (`pool assessment list`)."
        )
    row = rows[-1]
    scheme = _load(uow, row.text, f"{row.scheme}@{row.version}")
    return scheme, {**_view(row), "published": True}


def assessment(rt: Runtime, year: int, scheme_name: str, *, drafts: bool = True) -> dict[str, Any]:
    """Each county's score for `year` under a scheme, per indicator, with its rank. Any role.
    Without `drafts` (the web and the API) only a published scheme is named: no file is read."""

    def body(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        scheme, pinned = _chosen(uow, scheme_name, drafts)
        if scheme.year != year:
            raise InvalidInput(
                f"Scheme {scheme.scheme} {scheme.version} assesses {scheme.year}, not {year}; "
                "name the scheme for that year."
            )
        known = known_indicators(uow)
        chosen = [known[w.indicator] for w in scheme.indicators]
        jan = year * 12
        cum, _ = cumulative(uow, chosen, {jan - 1, jan + 11})
        ytd = {ind.name: between(cum, ind.key, jan + 11, jan - 1) for ind in chosen}
        targets = uow.targets.current(year=year)
        names = uow.regions.names()
        results = []
        for region in _counties(uow):
            amounts = {code: int(by_region.get(region, 0)) for code, by_region in ytd.items()}
            goals = {c: t for (r, c, y), t in targets.items() if r == region and y == year}
            terms, deducted, total = score(scheme, region, amounts, goals)
            results.append((region, terms, deducted, total))
        ranked = ranks([(region, total) for region, _, _, total in results])
        weights = {w.indicator: w for w in scheme.indicators}
        rows = []
        for region, terms, deducted, total in results:
            parts = [
                f"{_num(weights[t.indicator].weight)}×{percent(t.counted)}%"
                for t in terms
                if t.points or t.target
            ]
            arithmetic = " + ".join(parts) or "0"
            if deducted:
                arithmetic += f" − {_num(deducted)}"
            rows.append(
                {
                    "region": region,
                    "region_name": names.get(region, region),
                    "terms": [
                        {
                            "indicator": t.indicator,
                            "ytd": format_amount(t.ytd),
                            "target": None if t.target is None else format_amount(t.target),
                            "completion_pct": percent(t.completion),
                            "counted_pct": percent(t.counted),
                            "weight": _num(weights[t.indicator].weight),
                            "points": rounded(t.points),
                        }
                        for t in terms
                    ],
                    "deductions": [
                        {"points": _num(d.points), "reason": d.reason}
                        for d in scheme.deductions
                        if d.region == region
                    ],
                    "score": rounded(total),
                    "arithmetic": f"{arithmetic} = {rounded(total)}",
                    "rank": ranked[region],
                }
            )
        rows.sort(key=lambda r: (r["rank"], r["region"]))
        return {
            "year": year,
            **pinned,
            "title": scheme.title,
            "indicators": [
                {
                    "indicator": w.indicator,
                    "label": known[w.indicator].label,
                    "weight": _num(w.weight),
                    "cap_pct": percent(w.cap) if w.cap is not None else None,
                }
                for w in scheme.indicators
            ],
            "rows": rows,
        }

    return commands.read(rt, body)


def _num(value: Fraction) -> str:
    """Points as written: 40, 12.5 (two places at most when not whole)."""
    if value.denominator == 1:
        return str(value.numerator)
    return rounded(value).rstrip("0").rstrip(".")
