"""Where the writer (write.py) keeps new files until they are in place, and what a killed build left.

New files go into a staging folder beside the output (`.public.sitegen-new-<pid>`), never inside it.
An in-place build moves them in after writing a journal of the moves (`.public.sitegen-journal`);
the next build finishes a journal a killed build left before anything else, restores the output if a
swap of the two folders was cut in half, and removes the rest. All of it is checked like any input
(a cloned site can carry a journal, a staging folder and links in its old output): only files of the
staging folder are moved, only into the output, and no link is followed out of it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path

from .cache import digest
from .cachefile import fits

NEW, OLD = ".sitegen-new-", ".sitegen-old-"  # staging and previous output, beside the output
_JOURNAL = ".sitegen-journal"  # the moves from staging into the output, beside the output while they are made
_STAGED = re.compile(r"[0-9a-f]/[0-9a-f]{32}")  # a file's name in the staging folder (`staged_name`)


def staging_folder(output: Path) -> Path:
    """This process's staging folder for `output`."""
    return output.parent / f".{output.name}{NEW}{os.getpid()}"


def staged_name(relative: str) -> str:
    """The name a file of the output is written under in the staging folder, until it is moved in: a digest
    of its path, in one of 16 folders (worker processes that create files in one folder at once wait
    for each other)."""
    name = digest(relative).hex()
    return f"{name[0]}/{name}"


def in_the_way(output: Path, relatives) -> bool:
    """Whether a folder stands where one of these files goes, or a file or a link where one of their
    folders goes: then the new output is built beside the old one instead of moved into it."""
    folders: set[str] = set()
    for relative in relatives:
        if os.path.isdir(output / relative):
            return True
        folder = relative.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return any(os.path.lexists(output / folder)
               and (os.path.islink(output / folder) or not os.path.isdir(output / folder)) for folder in folders)


def move_in(output: Path, staging: Path, pending: list[str]) -> None:
    """Move the files written into `staging` into the output, each over the file it replaces. The journal
    of the moves is on disk first: if the build is killed midway, the next one finishes them
    (`recover_interrupted`), so the output is never left half old and half new for longer than that."""
    journal = output.parent / f".{output.name}{_JOURNAL}"
    moves = [(staged_name(relative), relative) for relative in pending]
    with open(journal, "w", encoding="utf-8") as file:  # (not fsynced: it outlives a killed process as it is,
        json.dump({"staging": staging.name, "moves": moves}, file)  # and the staged files are not either)
    _move_all(output, staging, moves)
    journal.unlink()
    shutil.rmtree(staging, ignore_errors=True)


def _move_all(output: Path, staging: Path, moves: list[tuple[str, str]]) -> None:
    """Move staged files to their paths in the output; an OSError if a link in the output (or the staging
    folder itself) would take one out of it."""
    real_output, made = os.path.realpath(output), set()  # (folders known to be there, and inside)
    if staging.is_symlink():
        raise OSError(errno.ELOOP, "the staging folder is a link", str(staging))
    for name, relative in moves:
        source = staging / name
        if not _STAGED.fullmatch(name) or not os.path.isfile(source) or os.path.islink(source):
            continue  # (a journal replayed: moved before the kill; or not sitegen's)
        target = _within(output, relative)
        if target.parent not in made:
            existing = target.parent
            while not os.path.lexists(existing):
                existing = existing.parent
            real = os.path.realpath(existing)
            if not (real == real_output or real.startswith(real_output.rstrip(os.sep) + os.sep)):
                raise OSError(errno.ELOOP, "a link in the output folder leads out of it", str(existing))
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        os.replace(source, target)


def recover_interrupted(output: Path) -> None:
    """Clean up after a build that was killed while writing: finish the moves of its journal, restore the old
    output if it was killed between the two renames of a swap, drop half-written ones. A build does this
    first, before it reads what its output holds. Links among them are removed, never followed."""
    if not output.parent.is_dir():
        return
    journal = output.parent / f".{output.name}{_JOURNAL}"
    if os.path.lexists(journal):
        _replay(output, journal)
    for leftover in sorted(output.parent.glob(f".{output.name}.sitegen-*-*")):
        kind, _, pid = leftover.name.rpartition("-")
        if not pid.isdigit() or _is_running(int(pid)):
            continue
        if kind.endswith(OLD.rstrip("-")) and not os.path.lexists(output) and not leftover.is_symlink():
            os.replace(leftover, output)  # killed between the two renames of the swap
        else:
            discard(leftover)


def discard(path: Path) -> None:
    """Remove a file, a link (not what it leads to) or a folder, if there is one."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _replay(output: Path, journal: Path) -> None:
    """Finish the moves of a journal left by a killed build (checked like any input: only files of its own
    staging folder are moved, only into the output); one that cannot be read is dropped, with its staging."""
    try:
        entry = json.loads(journal.read_text(encoding="utf-8"))
        staging = output.parent / entry["staging"]
        moves = entry["moves"]
        if not (isinstance(entry["staging"], str) and staging.parent == output.parent
                and staging.name.startswith(f".{output.name}{NEW}") and isinstance(moves, list)
                and all(fits(tuple(move) if isinstance(move, list) else move, (str, str)) for move in moves)):
            raise ValueError("not a journal of sitegen's")
    except (OSError, ValueError, KeyError, TypeError):
        discard(journal)
        return
    try:
        _move_all(output, staging, [tuple(move) for move in moves])
    except (OSError, ValueError):  # a path or a link out of the output: not what sitegen wrote
        pass
    journal.unlink(missing_ok=True)
    discard(staging)


def _is_running(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def inside(root: Path, relative: str) -> Path:
    """`root/relative`, with its folder made; never a path outside `root`."""
    target = _within(root, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _within(root: Path, relative: str) -> Path:
    """`root/relative`; ValueError for a path outside `root`."""
    parts = relative.replace("\\", "/").split("/")
    if relative.startswith("/") or ".." in parts:
        raise ValueError(f"output path escapes the output folder: {relative!r}")
    return root.joinpath(*parts)
