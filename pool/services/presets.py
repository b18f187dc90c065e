"""Region presets: the built-in `shangluo`, or a YAML file of the same shape."""

from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pool.domain.errors import InvalidInput

_CODE = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
_NAME = Annotated[str, Field(min_length=1, max_length=100)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegionSpec(_Model):
    code: _CODE
    name: _NAME
    level: Literal["city", "county"]


class ChainSpec(_Model):
    code: _CODE
    name: _NAME


class Preset(_Model):
    regions: list[RegionSpec] = Field(min_length=2)
    chains: list[ChainSpec] = Field(min_length=1)
    # The pool's default ruleset id, recorded by `pool init` (it need not be published yet).
    default_ruleset: Annotated[str, Field(pattern=r"^[a-z0-9-]+$", max_length=100)] | None = None


BUILT_IN = ("shangluo",)


def load_preset(name_or_file: str) -> Preset:
    """The built-in preset of that name, else the YAML file at that path."""
    if name_or_file in BUILT_IN:
        text = resources.files("pool").joinpath(f"presets/{name_or_file}.yaml").read_text("utf-8")
        source = name_or_file
    else:
        path = Path(name_or_file)
        if not path.is_file():
            raise InvalidInput(
                f"{name_or_file!r} is neither a built-in preset ({', '.join(BUILT_IN)}) nor a readable file."
            )
        text, source = path.read_text("utf-8"), str(path)
    try:
        data = yaml.safe_load(text)
        preset = Preset.model_validate(data)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{source} is not valid YAML: {exc}.") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"{source} is not a region preset: {problems}.") from None
    _check(preset, source)
    return preset


def _check(preset: Preset, source: str) -> None:
    cities = [r.code for r in preset.regions if r.level == "city"]
    if len(cities) != 1:
        raise InvalidInput(f"{source} must name exactly one city region; it names {len(cities)}.")
    for kind, codes in (
        ("region", [r.code for r in preset.regions]),
        ("chain", [c.code for c in preset.chains]),
    ):
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise InvalidInput(f"{source} lists the {kind} {', '.join(dupes)} more than once.")
