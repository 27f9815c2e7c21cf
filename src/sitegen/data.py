"""Data files: `data/*.yaml` (`.yml`), `.json` and `.toml`, given to layouts as `site.data`.

What a newsroom shows that is no article's: a staff list, a live ticker, election results.
`data/staff.yaml` is `site.data.staff`, and `data/elections/2024.json` is
`site.data.elections["2024"]`, as in Hugo. Each file is untrusted input like every other: YAML is
read with front matter's safe loader (nothing constructed, no alias bombs), and a file that cannot
be read is an error at its line. Values come as mappings no layout can change, tuples and plain values;
keys are text (a key named like a mapping's method, `items`, is read as `site.data["items"]`).

Which pages show the data is told by their layouts: `DataFiles.digest` is an input of the pages
whose layouts mention `data` (render.layout_digests), so an edit of a data file renders only those
pages again.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .cache import digest
from .errors import Diagnostic, error, warning
from .yamlfile import YamlProblem, load_value

DATA_VALUES = 1_000_000  # values per YAML file (aliases expanded): results of every polling station fit
MAX_DEPTH = 100  # levels of nesting: far more than data needs, far less than Python's recursion limit
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


class _Unreadable(Exception):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


def _yaml(text: str) -> Any:
    try:
        return load_value(text, DATA_VALUES)
    except YamlProblem as exc:
        raise _Unreadable(exc.message, exc.line) from None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"invalid JSON: {exc.msg}", exc.lineno) from None


def _toml(text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = _TOML_LINE.search(str(exc))
        raise _Unreadable(f"invalid TOML: {_TOML_LINE.sub('', str(exc)).strip()}",
                          int(where.group(1)) if where else 1) from None


READERS: dict[str, Callable[[str], Any]] = {".yaml": _yaml, ".yml": _yaml, ".json": _json, ".toml": _toml}
_HINTS = {_yaml: "check indentation and quote values that contain ': '", _json: "check the commas and quotes "
          "near that line", _toml: "check the quoting near that line"}


@dataclass(frozen=True)
class DataFiles:
    """Every data file's value, by name (folders are mappings of their files), and a digest of them all."""

    values: dict[str, Any] = field(default_factory=dict)  # a DataMapping
    digest: bytes = b""  # b"" when the site has no data files
    diagnostics: tuple[Diagnostic, ...] = ()


def load_data(root: Path, shown_root: str) -> DataFiles:
    """The data files under `root` (`shown_root` in messages: 'data'); every problem reported at once."""
    if not root.is_dir():
        return DataFiles()
    found: dict[tuple[str, ...], tuple[str, Any]] = {}  # site.data names → (file shown, value)
    problems: list[Diagnostic] = []
    read: list[str] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        shown = f"{shown_root}/{relative.as_posix()}"
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            problems.append(warning(shown, 0, "not a data file, so not read",
                                    f"data files end in {', '.join(READERS)}; put other files in assets/"))
            continue
        try:
            text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
            value = _frozen(reader(text))
        except RecursionError:
            problems.append(error(shown, 1, f"the values nest more than {MAX_DEPTH} levels deep",
                                  "flatten the file: lists of records, not records inside records"))
            continue
        except UnicodeDecodeError as exc:
            problems.append(error(shown, 1, f"not UTF-8 text ({exc.reason})", "save the file as UTF-8"))
            continue
        except OSError as exc:
            problems.append(error(shown, 0, f"cannot be read: {exc.strerror or exc}"))
            continue
        except _Unreadable as exc:
            problems.append(error(shown, exc.line, exc.message, _HINTS[reader]))
            continue
        names = (*relative.parent.parts, path.stem)
        if names in found:
            problems.append(error(shown, 0, f"{found[names][0]} is site.data.{'.'.join(names)} already",
                                  "rename one of them"))
            continue
        found[names] = (shown, value)
        read.append(shown + "\0" + text)
    values: dict[str, Any] = {}
    for names, (shown, value) in found.items():
        clash = next((names[:n] for n in range(1, len(names)) if names[:n] in found), None)
        if clash:
            problems.append(error(shown, 0, f"{found[clash][0]} is site.data.{'.'.join(clash)} already, so a "
                                  "folder of that name cannot be", "rename the file or the folder"))
            continue
        folder = values
        for name in names[:-1]:
            folder = folder.setdefault(name, {})
        folder[names[-1]] = value
    return DataFiles(_sealed(values), digest(*read) if read else b"", tuple(problems))


def _sealed(folder: dict[str, Any]) -> DataMapping:
    """The folders of site.data as DataMappings too (their files' values are already)."""
    return DataMapping({name: _sealed(value) if type(value) is dict else value for name, value in folder.items()})


def _frozen(value: Any, depth: int = 0) -> Any:
    """Mappings as DataMappings and lists as tuples, so that a layout cannot change what the next page sees;
    _Unreadable for what a layout could not use the same way on every build (keys that are not text, sets)."""
    if depth > MAX_DEPTH:
        raise RecursionError
    if isinstance(value, dict):
        bad = next((key for key in value if not isinstance(key, str)), None)
        if bad is not None:
            raise _Unreadable(f"keys must be names, found {bad!r}", 1)
        return DataMapping({key: _frozen(item, depth + 1) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item, depth + 1) for item in value)
    if isinstance(value, (set, frozenset, bytes)):
        raise _Unreadable(f"a {type(value).__name__} ('!!set', '!!binary') has no place in a data file", 1)
    return value


class DataMapping(dict):
    """A mapping of a data file that layouts can read and not change (a change would leak into the pages
    rendered after it); picklable, as the model of a build is kept for the next."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("site.data cannot be changed by a layout")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = __ior__ = _refuse  # type: ignore

    def __reduce__(self):
        return DataMapping, (dict(self),)
