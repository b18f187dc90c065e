"""Exact YAML reading with line numbers.

Scalars that YAML would turn into floats, timestamps or exotic integers (``1_000``, ``0x10``,
``1:30``) stay as their source text, so amounts and ratios are parsed exactly by our own code and
never pass through binary floating point. Every mapping and sequence remembers the line of each
key or item so that a problem can be reported as ``FILE:LINE``. Aliases are limited and duplicate
keys refused, so a hostile file cannot expand into a huge document or hide a value.
"""

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from pool.domain.errors import InvalidInput

MAX_BYTES = 2_000_000
MAX_ALIASES = 100
MAX_NODES = 200_000
MAX_DEPTH = 100  # a rule file is nested a few levels
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")


class YamlText(str):
    """A scalar kept as its source text (a number YAML would have read inexactly, or a date)."""


class LineDict(dict[Any, Any]):
    """A mapping that knows the line of each of its keys (1-based) and of itself."""

    line: int = 0
    lines: dict[Any, int]


class LineList(list[Any]):
    """A sequence that knows the line of each of its items (1-based) and of itself."""

    line: int = 0
    lines: dict[int, int]


class YamlError(InvalidInput):
    """A file that is not readable YAML; carries the line where reading stopped, or None when
    the file was refused before any of it was read."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        line = self.peek_event().start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlError(f"more than {MAX_ALIASES} aliases; write the values out.", line)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlError("the file is too large to be a rule file.", line)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlError(f"the file is nested too deeply (more than {MAX_DEPTH} levels).", line)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> LineDict:
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int) or isinstance(key, bool):
                key = key_node.value if isinstance(key_node, ScalarNode) else str(key)
            if key in result:
                raise YamlError(f"duplicate key {key!r}.", key_node.start_mark.line + 1)
            result[key] = self.construct_object(value_node, deep=True)
            result.lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: SequenceNode, deep: bool = False) -> LineList:
        result = LineList()
        result.line = node.start_mark.line + 1
        result.lines = {}
        for i, child in enumerate(node.value):
            result.append(self.construct_object(child, deep=True))
            result.lines[i] = child.start_mark.line + 1
        return result


def _as_text(loader: _Loader, node: ScalarNode) -> YamlText:
    return YamlText(node.value)


def _as_int(loader: _Loader, node: ScalarNode) -> int | YamlText:
    text = node.value
    return int(text) if len(text) <= 40 and _PLAIN_INT.fullmatch(text) else YamlText(text)


_Loader.add_constructor("tag:yaml.org,2002:float", _as_text)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
_Loader.add_constructor("tag:yaml.org,2002:int", _as_int)
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)


def load_yaml(text: str) -> Any:
    """Parse YAML text exactly; raise YamlError with a line number if it cannot be read."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"the file is larger than {MAX_BYTES // 1_000_000} MB.", None)
    try:
        loader = _Loader(text)  # the reader refuses control characters (a NUL) here already
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YamlError(f"not valid YAML: {_reader_problem(exc)}.", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}.", 1) from None
    try:
        return loader.get_single_data()
    except YamlError:
        raise
    except (yaml.MarkedYAMLError, ConstructorError) as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "not valid YAML"
        hint = syntax_hint(problem, text, line)
        raise YamlError(f"not valid YAML: {problem}{'; ' + hint if hint else ''}.", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}.", 1) from None
    except (RecursionError, ValueError):
        raise YamlError("the file is nested too deeply or holds a value too large to read.", 1) from None
    finally:
        loader.dispose()


def syntax_hint(problem: str, text: str, line: int) -> str:
    """A sentence on the common cause of a YAML syntax error, or "" when there is none to give."""
    lines = text.splitlines()
    written = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in written or "'\\t'" in problem:
        return (
            "the line holds a tab character; YAML indents with spaces only, so replace each tab "
            "with spaces (and quote a text that needs a tab)"
        )
    if "mapping values are not allowed" in problem:
        return (
            "a text containing ': ' (a colon followed by a space) must be put in quotes, such as "
            'title: "商洛: 税收分成" — or write the colon without the space, or the full-width ：'
        )
    if "expected <block end>" in problem or "could not find expected ':'" in problem:
        return "check the indentation: the keys of one mapping start in the same column, with spaces"
    if "expected ',' or '}'" in problem or "expected ',' or ']'" in problem:
        return "a { or [ opened on an earlier line is not closed; close it, and quote a text with a comma"
    if "end of stream" in problem:
        return "a quotation mark is not closed"
    return ""


def _reader_problem(exc: ReaderError) -> str:
    """The reader's complaint without its `in "<unicode string>", position N` suffix."""
    ch = exc.character
    code = f"U+{ch:04X}" if isinstance(ch, int) else f"U+{ord(ch):04X}"
    return f"the character {code} cannot appear in a YAML file"


def line_of(data: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest key or item along `loc` that the YAML source located."""
    line = getattr(data, "line", 1) or 1
    node = data
    for key in loc:
        lines = getattr(node, "lines", None)
        if lines is None or key not in lines:
            break
        line = lines[key]
        node = node[key]
    return line
