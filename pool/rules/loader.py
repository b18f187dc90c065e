"""Read a rule file: exact YAML, the schema, then the checks; report every problem at once."""

import difflib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from pool.domain.errors import InvalidInput, PoolError
from pool.domain.text import shown
from pool.rules import checks, schema
from pool.rules.yamlio import LineDict, YamlError, line_of, load_yaml


class RuleFileError(InvalidInput):
    """A rule file with problems; `problems` holds one `FILE:LINE: key: message` line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Loaded:
    ruleset: schema.Ruleset
    warnings: list[str] = field(default_factory=list)


def load_ruleset_file(path: str | Path, today: date | None = None) -> Loaded:
    """Load and check a rule file from disk."""
    path = Path(path)
    return load_ruleset(read_text(path), str(path), today)


def load_ruleset_text(text: str, source: str) -> schema.Ruleset:
    """Load the stored text of a published version; raise RuleFileError listing every problem.

    The limits only new rule files must meet (the lengths of codes and units, a base's repeated
    metrics and units) are not applied: a version published before they existed is immutable and
    goes on settling as it did. A file to check or publish is loaded by `load_ruleset`.
    """
    return load_ruleset(text, source, published=True).ruleset


def load_ruleset(text: str, source: str, today: date | None = None, *, published: bool = False) -> Loaded:
    """Load and check rule-file text; raise RuleFileError listing every problem, each located."""
    data = parse_yaml(text, source)
    if not isinstance(data, dict):
        line = _first_line(data, text)
        if line is None:
            raise RuleFileError([f"{source}: the file is empty; {_MAPPING}"])
        raise RuleFileError([f"{source}:{line}: {_MAPPING}, not {'null' if data is None else shown(data)}"])
    context = {"published": published}
    try:
        ruleset = schema.Ruleset.model_validate(data, context=context)
    except ValidationError as exc:
        found = [(tuple(err["loc"]), _message(err, schema.Ruleset)) for err in exc.errors()]
        partial = _checks_of_valid_shares(data, found, published)
        raise RuleFileError(_located(source, data, found + partial)) from None
    try:
        found = list(checks.check_ruleset(ruleset, published))
        notes = list(checks.warnings(ruleset, today or date.today()))
    except PoolError as exc:  # a check that cannot judge a value: still the file's problem
        raise RuleFileError([f"{source}: {str(exc).rstrip('.')}"]) from None
    if found:
        raise RuleFileError(_located(source, data, found))
    return Loaded(ruleset, _located(source, data, notes))


_MAPPING = "a rule file is a mapping of keys such as ruleset, shares"


def _first_line(data: Any, text: str) -> int | None:
    """The line a document that is not a mapping starts on, or None if the file holds nothing
    but blank lines, comments and document markers."""
    line = getattr(data, "line", 0)
    if line:
        return int(line)
    for number, written in enumerate(text.splitlines(), start=1):
        if written.strip() and not written.lstrip().startswith(("#", "%", "---", "...")):
            return number
    return None


def refusal(text: str, source: str, found: Iterable[tuple[tuple[Any, ...], str]]) -> RuleFileError:
    """The problems a caller found in a valid rule file (`load_ruleset` read it), located."""
    return RuleFileError(_located(source, load_yaml(text), found))


_PLACEHOLDERS = {"ruleset": "x", "version": "0", "title": "", "effective_from": "2000-01"}


def _checks_of_valid_shares(
    data: dict[str, Any], found: list[tuple[tuple[Any, ...], str]], published: bool
) -> list[tuple[tuple[Any, ...], str]]:
    """Check what did validate, so that a malformed part does not hide problems elsewhere.

    Malformed shares are left out; malformed top-level keys are left out or replaced by
    placeholders, unless they are the metrics or agreement declarations every share depends on.
    """
    shares = data.get("shares")
    bad_top = {loc[0] for loc, _ in found if loc[:1] != ("shares",) or len(loc) < 2}
    if not isinstance(shares, list) or bad_top & {"shares", "metrics", "agreement"}:
        return []
    bad = {loc[1] for loc, _ in found if loc[:1] == ("shares",) and len(loc) >= 2}
    kept = [i for i in range(len(shares)) if i not in bad]
    if not kept:
        return []
    cleaned = {k: v for k, v in data.items() if k not in bad_top}
    cleaned.update({k: v for k, v in _PLACEHOLDERS.items() if k not in cleaned})
    try:
        partial = schema.Ruleset.model_validate(
            {**cleaned, "shares": [shares[i] for i in kept]}, context={"published": published}
        )
    except ValidationError:
        return []
    return [
        ((loc[0], kept[loc[1]], *loc[2:]) if loc[:1] == ("shares",) and len(loc) > 1 else loc, msg)
        for loc, msg in checks.check_ruleset(partial, published)
    ]


def read_text(path: Path) -> str:
    """The file's text; a file that cannot be read is a RuleFileError naming it (`FILE: …`)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RuleFileError([f"{path}: cannot read the file: {exc.strerror or exc}."]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise RuleFileError([f"{path}:{line}: the file is not UTF-8 text; save it as UTF-8."]) from None


def parse_yaml(text: str, source: str) -> Any:
    try:
        return load_yaml(text)
    except YamlError as exc:
        where = source if exc.line is None else f"{source}:{exc.line}"
        raise RuleFileError([f"{where}: {exc}"]) from None


def validate(model: type[BaseModel], data: Any, source: str, prefix: tuple[Any, ...] = ()) -> Any:
    """Validate `data` against a pydantic model, translating every error to `FILE:LINE: key: ...`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        found = [(prefix + tuple(err["loc"]), _message(err, model)) for err in exc.errors()]
        raise RuleFileError(_located(source, data, found, strip=len(prefix))) from None


def _located(
    source: str, data: Any, found: Iterable[tuple[tuple[Any, ...], str]], strip: int = 0
) -> list[str]:
    located = sorted(
        ((line_of(data, loc[strip:]), dotted(loc), msg) for loc, msg in found), key=lambda item: item[0]
    )
    return [f"{source}:{line}: {key or '(file)'}: {msg}" for line, key, msg in located]


def dotted(loc: Iterable[Any]) -> str:
    """`shares[0].base.plus[1]`; pydantic's `[key]` (the problem is the key itself) is left out,
    and a key with a control character, a space at an end or an invisible one is quoted."""
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        name = str(part) if str(part).isprintable() and str(part).strip() == str(part) else repr(part)
        out += f".{name}" if out else name
    return out


_SECTIONS: dict[str, type[BaseModel]] = {
    "the top level": schema.Ruleset,
    "a share": schema.Share,
    "term": schema.Term,
    "a schedule step": schema.Step,
    "eligibility": schema.Eligibility,
    "an agreement declaration": schema.AgreementDecl,
    "a metric": schema.Metric,
    "cap": schema.Cap,
    "floor": schema.Floor,
    "base": schema.Base,
}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models a field's annotation may hold (inside Optional, list, dict, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _models_in(args[0])
    if origin is dict:
        return _models_in(args[1]) if len(args) == 2 else []
    if origin in (list, tuple, Union, types.UnionType):
        return [m for arg in args for m in _models_in(arg)]
    return []


def model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model whose mapping sits at `loc` (keys of a dict and list indexes are stepped over)."""
    model: type[BaseModel] | None = root
    dict_key = False  # the next part is a key of a dict of models, not a field
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int) or dict_key:
            dict_key = False
            continue
        fields = model.model_fields
        name = next((n for n, f in fields.items() if part in (n, f.alias)), None)
        if name is None:
            return None
        annotation = fields[name].annotation
        found = _models_in(annotation)
        model = found[0] if found else None
        dict_key = typing.get_origin(annotation) is dict
    return model


def allowed_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _unknown_key(key: Any, model: type[BaseModel] | None) -> str:
    """An unknown key: where it belongs if it is a key of another section, what is allowed here,
    and the nearest allowed key when it looks like a typo."""
    homes = [name for name, m in _SECTIONS.items() if key in m.model_fields and m is not model]
    allowed = allowed_keys(model) if model is not None else []
    if homes:
        text = f"{key!r} does not belong here; it is a key of {' or '.join(homes)}"
    else:
        text = f"unknown key {key!r}"
    if allowed:
        text += f"; allowed here: {', '.join(allowed)}"
        near = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        if near and not homes:
            text += f" (did you mean {near[0]!r}?)"
    return text


_PATTERN_WORDS = {
    "^[a-z0-9-]+$": (
        "is not a ruleset id; write lowercase letters a-z, digits and '-' only, with no spaces or "
        "Chinese characters, such as shangluo-default"
    ),
    f"^{schema.KEY_PATTERN}$": (
        "is not {what}; start with a lowercase letter a-z, then write lowercase letters, digits or "
        "'_' only, with no spaces or Chinese characters (put Chinese in a label), such as {example}"
    ),
}


def _not_one_of(value: Any, expected: str) -> str:
    """A value outside a fixed list: the list in words, and the nearest when it looks like a typo."""
    allowed = [part.strip().strip("'") for part in expected.replace(" or ", ", ").split(",") if part.strip()]
    text = f"{shown(value)} is not allowed here; write one of: {', '.join(allowed)}"
    near = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6) if isinstance(value, str) else []
    return text + (f" (did you mean {near[0]!r}?)" if near else "")


def _name_kind(loc: tuple[Any, ...]) -> tuple[str, str]:
    """What kind of name sits at `loc`, and an example of one."""
    if loc[:1] == ("metrics",):
        return "a metric name", "tax_local"
    if loc[:1] == ("agreement",):
        return "an agreement value's name", "origin_share"
    if loc[:1] == ("city",) or loc[-1:] == ("city",):
        return "a region code", "shangzhou"
    if loc[:1] == ("shares",) and loc[-1:] == ("name",):
        return "a share name", "tax"
    return "a name", "tax_local"


def _message(err: Any, root: type[BaseModel] | None = None) -> str:
    kind, loc, msg = err["type"], err["loc"], err["msg"]
    key = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        return _unknown_key(key, model_at(root, tuple(loc[:-1])) if root is not None else None)
    if kind == "literal_error":
        return _not_one_of(err.get("input"), str((err.get("ctx") or {}).get("expected", "")))
    if kind == "bool_parsing" or kind == "bool_type":
        return f"{shown(err.get('input'))} is not true or false; write true or false"
    if kind == "string_pattern_mismatch":
        words = _PATTERN_WORDS.get(str((err.get("ctx") or {}).get("pattern", "")))
        if words:
            what, example = _name_kind(tuple(loc))
            return f"{shown(err.get('input'))} " + words.format(what=what, example=example)
    if kind == "missing":
        return f"missing required key {key!r}"
    if msg.startswith("Value error, "):
        return msg[len("Value error, ") :]
    value = err.get("input")
    if isinstance(value, LineDict | list | dict):
        return msg
    return f"{value!r}: {msg}"
