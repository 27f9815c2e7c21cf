"""Safe YAML mappings that remember the line of every top-level key.

Used by site.yaml and by front matter. Dates are left as strings (sitegen
parses them itself, so an impossible date is reported with its line instead
of crashing PyYAML), only true/false are booleans (not yes/no/on/off), and no
Python objects are ever constructed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_VALUES = 10_000  # far more than any front matter or site.yaml holds


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that keeps timestamps as plain strings."""


# YAML 1.2 core scalars instead of PyYAML's YAML 1.1 ones: no timestamps (sitegen reads dates
# itself), only true/false as booleans (a tag "NO" stays text), and no sexagesimal or
# underscore numbers (a headline "9:11" stays text instead of becoming 551), and decimal
# integers even with leading zeros (PyYAML would read "010" as octal 8 and fail on "08").
_REPLACED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
             "tag:yaml.org,2002:float"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+)$"),
                              list("-+0123456789"))
_Loader.add_constructor(
    "tag:yaml.org,2002:int",
    lambda loader, node: int(node.value, 16 if node.value.startswith("0x") else 10))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+.0123456789"))


@dataclass(frozen=True)
class YamlMapping:
    """A parsed mapping and the 1-based line of each key (and of 'parent.child' keys, at any depth) in its file."""

    data: dict[str, Any]
    key_lines: dict[str, int] = field(default_factory=dict)
    raw_text: dict[str, str] = field(default_factory=dict)  # plain scalars as written: 'version: 3.10'
    duplicates: tuple[tuple[str, int, int], ...] = ()  # (key, first line, line that won)

    def line_of(self, key: str, default: int = 1) -> int:
        return self.key_lines.get(key, default)


class YamlProblem(Exception):
    """YAML that cannot be read as a mapping; `line` is 1-based in the file."""

    def __init__(self, message: str, line: int, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint  # when the usual advice (indentation, quoting) does not apply


def load_mapping(text: str, first_line: int = 1) -> YamlMapping:
    """Parse `text` (which starts at `first_line` of its file) as a mapping."""
    node, data = _parse(text, first_line, MAX_VALUES, mapping=True)
    if node is None:
        return YamlMapping({})
    key_lines: dict[str, int] = {}
    raw_text: dict[str, str] = {}
    duplicates = []
    for key_node, value_node in node.value:
        key, line = str(key_node.value), first_line + key_node.start_mark.line
        if key in key_lines:
            duplicates.append((key, key_lines[key], line))
        key_lines[key] = line  # the last one wins, as in the parsed data
        if isinstance(value_node, yaml.ScalarNode) and not value_node.style:
            raw_text[key] = value_node.value
        _nested_lines(key, value_node, first_line, key_lines, duplicates)
    if not all(isinstance(key, str) for key in data):
        bad = next(key for key in data if not isinstance(key, str))
        raise YamlProblem(f"keys must be names, found {bad!r}", first_line)
    return YamlMapping(data, key_lines, raw_text, tuple(duplicates))


def load_value(text: str, max_values: int = MAX_VALUES) -> Any:
    """Parse `text` as any YAML value (a list, a mapping, a scalar; None when empty), as safely as front matter:
    the loader of data files."""
    return _parse(text, 1, max_values, mapping=False)[1]


def _parse(text: str, first_line: int, max_values: int, mapping: bool) -> tuple[yaml.Node | None, Any]:
    """The root node and its value; YamlProblem with the line of what is wrong."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # YAML counts a lone CR as a line break too
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if mapping and (not isinstance(node, yaml.MappingNode) or node.tag != "tag:yaml.org,2002:map"):
            raise YamlProblem(
                f"expected 'key: value' pairs, found a {_describe(node)}",
                first_line + node.start_mark.line,
            )
        _check_size(node, first_line, max_values)
        try:
            return node, loader.construct_document(node)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:  # '!!int many' and the like
            raise YamlProblem(f"a value does not fit its '!!' type tag ({exc})", first_line,
                              "remove the '!!' tag, or write a value of that type") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        raise YamlProblem(_yaml_message(exc, first_line, text.split("\n")), line) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}", first_line) from None
    finally:
        loader.dispose()


def _nested_lines(key: str, node: yaml.Node, first_line: int, key_lines: dict[str, int],
                  duplicates: list[tuple[str, int, int]], depth: int = 4) -> None:
    """The lines of keys inside mappings and of list items, down to `depth` levels: 'related.count',
    'languages.en.prefix', 'menus.main.0' (the first item), 'menus.main.0.name'."""
    if depth == 0:
        return
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key_lines[f"{key}.{index}"] = first_line + item.start_mark.line
            _nested_lines(f"{key}.{index}", item, first_line, key_lines, duplicates, depth - 1)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    for child, value in node.value:
        child_key, child_line = f"{key}.{child.value}", first_line + child.start_mark.line
        if child_key in key_lines:
            duplicates.append((child_key, key_lines[child_key], child_line))
        key_lines[child_key] = child_line
        _nested_lines(child_key, value, first_line, key_lines, duplicates, depth - 1)


def _check_size(root: yaml.Node, first_line: int, max_values: int) -> None:
    """Refuse YAML that expands to more than `max_values` values (alias bombs: '&a [*b, *b, …]').

    Aliases share nodes, so the document is small until something walks it;
    counting with aliases expanded, and stopping at the limit, keeps the work bounded."""
    stack, seen = [root], 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > max_values:
            raise YamlProblem(f"the YAML expands to more than {max_values:,} values (aliases repeating aliases?)",
                              first_line + root.start_mark.line, "write the values out instead of nesting '*' aliases")
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return f"mapping tagged {node.tag}"
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return f"plain value {node.value!r}"


def _yaml_message(exc: yaml.MarkedYAMLError, first_line: int, lines: list[str]) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    message = "invalid YAML: " + ", ".join(parts)
    if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
        message += f" (what is unfinished starts on line {first_line + exc.context_mark.line})"
    mark = exc.problem_mark or exc.context_mark
    if mark and mark.line < len(lines) and "\t" in lines[mark.line]:
        message += "; this line has a tab, and YAML indents with spaces only"
    return message


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """A text value fit for a title or a meta tag: control characters (tabs, line breaks) become
    spaces and runs of them one; HTML and XML have no place for the others."""
    return " ".join(_CONTROL.sub(" ", text).split()) if _CONTROL.search(text) else text.strip()
