"""Whether the output folder is as the last build left it, told without reading it.

A build with nothing to do, and a patch build (patch.py), must know that the output holds
exactly the files the last build wrote, each as written: a file changed, removed or added
by hand is put right by a full build. Each file is known by its size and mtime (its record,
cache.OutputRecord); each folder by its mtime, which adding, removing or renaming anything
in it changes. A folder whose mtime is not as recorded, or was too recent to trust when it
was recorded (a change in the same clock tick could keep it: see stamp.py), is listed and
compared with what the records put there. Without folder states the whole output is walked.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .cachefile import OutputRecord

MARKER = ".sitegen-output"  # in an output folder sitegen made: a folder without it is never replaced
MARKER_TEXT = "This folder is written by sitegen and replaced on every build.\n"
FolderStates = dict[str, "int | None"]  # a folder of the output ('' for itself, 'world/x') → its mtime, or None


def unchanged_files(output: Path, records: dict[str, OutputRecord]) -> dict[str, OutputRecord]:
    """The records of the last build whose file is still in `output` as it was written."""
    output = output.resolve()
    if not (output / MARKER).is_file():
        return {}
    folder = f"{output}{os.sep}"
    return {relative: record for relative, record in records.items() if record.matches(folder + relative)}


def intact_folders(output: Path, records: dict[str, OutputRecord],
                   folders: FolderStates | None = None) -> FolderStates | None:
    """If `output` holds exactly the files of `records`, each as it was written, the states of its folders
    now (those listed and found right that are old enough get their mtime); else None. `folders`: their
    states when the records were made, if known."""
    if not records or len(unchanged_files(output, records)) != len(records) or not marked(output):
        return None
    if not folders:
        walked_ns = time.time_ns()  # (what was added while it walks has a later mtime)
        return folder_states(output, folders_of(records), walked_ns) if holds_exactly(output, records) else None
    root, doubtful, states = f"{output.resolve()}{os.sep}", [], dict(folders)
    for folder, mtime in folders.items():
        try:
            if mtime is None or os.stat(root + folder).st_mtime_ns != mtime:
                doubtful.append(folder)
        except OSError:
            return None
    if doubtful:
        expected: dict[str, set[str]] = {folder: set() for folder in folders}
        expected[""].add(MARKER)
        for path in (*records, *folders):
            parent, _, name = path.rpartition("/")
            if name and parent in expected:
                expected[parent].add(name)
        for folder in doubtful:
            before = _mtime(root + folder)  # (taken before listing: a change while it is listed shows next time)
            try:
                if set(os.listdir(root + folder)) != expected[folder]:
                    return None
            except OSError:
                return None
            states[folder] = _trusted(before, time.time_ns())
    return states


def marked(output: Path) -> bool:
    """Whether the output's marker says what a build writes there (not the preview server's, not edited)."""
    try:
        return (output / MARKER).read_text(encoding="utf-8") == MARKER_TEXT
    except (OSError, UnicodeDecodeError):
        return False


def folders_of(paths) -> set[str]:
    """Every folder of the output that holds one of `paths` (output paths), their parents, and '' itself."""
    folders = {relative.rpartition("/")[0] for relative in paths} | {""}
    return folders | {parent for folder in folders for parent in _parents(folder)}


def folder_states(output: Path, folders, checked_ns: int) -> FolderStates:
    """The mtime of each of these folders of `output`, known to hold what they should at `checked_ns`
    (time.time_ns()); None for one changed too recently before then to tell a later change from it."""
    root = f"{output.resolve()}{os.sep}"
    return {folder: _trusted(_mtime(root + folder), checked_ns) for folder in folders}


def holds_exactly(output: Path, paths) -> bool:
    """Whether `output` has these files and no others, and no empty folder (a clean build would remove strays)."""
    try:
        return set(files_in(str(output))) == set(paths) | {MARKER}
    except OSError:
        return False


def files_in(folder: str) -> list[str]:
    """The relative paths of the files under `folder` ('/'-separated, as output paths are), and of its empty
    folders (ending in '/')."""
    found, folders = [], [(folder, "")]
    while folders:  # a loop, not recursion: 14,000 folders of one page each are walked twice as fast
        path, prefix = folders.pop()
        empty = True
        with os.scandir(path) as entries:
            for entry in entries:
                empty = False
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    found.append(prefix + entry.name)
        if empty and prefix:
            found.append(prefix)
    return found


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _trusted(mtime: int | None, checked_ns: int) -> int | None:
    from . import stamp  # (its RACY_NS, which tests change)

    return mtime if mtime is not None and mtime < checked_ns - stamp.RACY_NS else None


def _parents(folder: str) -> list[str]:
    """'a/b/c' → ['a/b', 'a']"""
    parts = folder.split("/")
    return ["/".join(parts[:end]) for end in range(len(parts) - 1, 0, -1)]
