"""Option types shared by the commands."""

from typing import Any, NamedTuple

import click


class Pair(NamedTuple):
    """One `KEY=VALUE` as typed, with its key and value: split at the first `=`, spaces stripped."""

    text: str
    key: str
    value: str


class KeyValue(click.ParamType):
    """A `KEY=VALUE` option, repeatable; each value becomes a Pair.

    `form` is the option's metavar, e.g. `NAME=YYYY-MM`. With `refuse_malformed`, a value without
    `=` is refused here (`'x' is not NAME=YYYY-MM.`, exit 2). Without it, the value is passed on
    as typed and the service reading the pairs refuses it in its own words, and audits the attempt.
    """

    name = "key=value"

    def __init__(self, form: str = "KEY=VALUE", *, refuse_malformed: bool = False) -> None:
        self.form = form
        self.refuse_malformed = refuse_malformed

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return self.form

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Pair:
        if isinstance(value, Pair):
            return value
        text = str(value)
        key, sep, rest = text.partition("=")
        if not sep and self.refuse_malformed:
            hint = " / ".join(param.opts) if param is not None else None
            raise click.BadParameter(f"{text!r} is not {self.form}.", ctx=ctx, param_hint=hint)
        return Pair(text, key.strip(), rest.strip())


def texts(pairs: tuple[Pair, ...]) -> list[str]:
    """The pairs as typed, for a service that reads `KEY=VALUE` text itself."""
    return [pair.text for pair in pairs]
