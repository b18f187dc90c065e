"""Check an approval's agreement against the values its ruleset declares."""

from collections.abc import Mapping
from fractions import Fraction

from pool.domain.errors import InvalidInput, PoolError
from pool.domain.ratio import format_ratio
from pool.rules.schema import AgreementRef, Ruleset
from pool.rules.values import Value, bounds_problem, implicit_default, parse_value


def resolve_agreement(ruleset: Ruleset, raw: Mapping[str, object]) -> dict[str, Value]:
    """Every declared value, parsed and within bounds, with defaults filled in.

    Raises InvalidInput naming the first key that is unknown, missing, of the wrong type or
    out of bounds.
    """
    declared = ruleset.agreement
    for key in raw:
        if key not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise InvalidInput(
                f"agreement value {key!r} is not declared by ruleset {ruleset.ruleset} "
                f"{ruleset.version}; it declares: {known}."
            )
    values: dict[str, Value] = {}
    for key, decl in declared.items():
        if key in raw:
            try:
                value = parse_value(decl, raw[key])
            except PoolError as exc:
                raise InvalidInput(f"agreement value {key!r}: {exc}") from None
            why = bounds_problem(decl, value)
            if why:
                raise InvalidInput(f"agreement value {key!r}: {why}.")
        elif decl.required:
            raise InvalidInput(
                f"agreement value {key!r} is required by ruleset {ruleset.ruleset} {ruleset.version}."
            )
        elif decl.default is not None:
            value = parse_value(decl, decl.default)
        else:
            value = implicit_default(decl)  # type: ignore[assignment]
        values[key] = value
    _check_portions(ruleset, values)
    return values


def portions_fit(ruleset: Ruleset, values: Mapping[str, Value]) -> bool:
    """Whether every schedule step's portions stay within 100% with these values."""
    try:
        _check_portions(ruleset, values)
    except InvalidInput:
        return False
    return True


def _check_portions(ruleset: Ruleset, values: Mapping[str, Value]) -> None:
    for share in ruleset.shares:
        for step in share.schedule or []:
            origin, city = (_ratio(v, values) for v in (step.origin, step.city))
            parties = {r: _ratio(v, values) for r, v in step.parties.items()}
            if origin + city + sum(parties.values()) > 1:
                written = [step.origin, step.city, *step.parties.values()]
                refs = list(dict.fromkeys(v.key for v in written if isinstance(v, AgreementRef)))
                keys = " and ".join(repr(k) for k in refs)
                named = "".join(f", {r} {format_ratio(p)}" for r, p in parties.items())
                raise InvalidInput(
                    f"agreement value {keys}: share {share.name!r} would give origin "
                    f"{format_ratio(origin)} and city {format_ratio(city)}{named}, more than 100%."
                )


def _ratio(value: Fraction | AgreementRef, values: Mapping[str, Value]) -> Fraction:
    return Fraction(values[value.key]) if isinstance(value, AgreementRef) else value
