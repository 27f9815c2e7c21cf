"""The only stage that writes the output: all of it aside, then swapped in.

A build renders everything in memory first; only then is the output written
to a sibling folder and swapped for the old one, so a failed or interrupted
build leaves the previous site exactly as it was.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

from .cache import OutputRecord, digest, file_state
from .config import SiteConfig
from .errors import Diagnostic, SiteError, error

MARKER = ".sitegen-output"
_NEW, _OLD = ".sitegen-new-", ".sitegen-old-"  # staging and previous output, beside the output


def check_output_dir(config: SiteConfig, output: Path) -> list[Diagnostic]:
    """Refuse output folders whose replacement would destroy something of the user's."""
    output = output.resolve()
    site = config.site_dir
    hint = "choose another output folder with -o, or 'output_dir:' in site.yaml"
    if output == site:
        return [error(str(output), 0, "refusing to write the site into the site folder itself", hint)]
    for name in (config.content_dir, config.layouts_dir, config.assets_dir):
        folder = config.site_path(name)
        if output == folder or folder in output.parents:
            return [error(str(output), 0, f"refusing to write the site into the site's {name}/ folder", hint)]
    if output in site.parents:
        return [error(str(output), 0, "refusing to write the site into a parent of the site folder", hint)]
    if output.is_file():
        return [error(str(output), 0, "the output path is a file, not a folder", hint)]
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).exists():
        return [error(str(output), 0, "refusing to replace a folder that sitegen did not create",
                      f"it is not empty and has no {MARKER} marker; empty it or {hint}")]
    return []


def unchanged_files(output: Path, records: dict[str, OutputRecord]) -> dict[str, OutputRecord]:
    """The records of the last build whose file is still in `output` as it was written."""
    output = output.resolve()
    if not (output / MARKER).is_file():
        return {}
    folder = f"{output}{os.sep}"
    return {relative: record for relative, record in records.items() if record.matches(folder + relative)}


def output_intact(output: Path, records: dict[str, OutputRecord]) -> bool:
    """Whether `output` holds exactly the files of `records`, each as it was written."""
    return bool(records) and _holds_exactly(output, records) and len(unchanged_files(output, records)) == len(records)


def write_output(output: Path, files: dict[str, bytes | None], copies: dict[str, Path],
                 inputs: dict[str, bytes], records: dict[str, OutputRecord]) -> tuple[dict[str, OutputRecord], list[str]]:
    """Make `output` hold exactly `files` and `copies` (both keyed by output path).

    A file whose bytes or source are those of its record (a file the last build wrote and nobody
    touched since, see `unchanged_files`) is linked from the old output instead of written, so it
    keeps its inode and mtime and a deploy tool sees it unchanged; a page whose data is None was not
    rendered again (its `inputs`, the digest of what it is made from, match the record). All of it
    is done in a folder beside `output` that is then swapped in. Returns the records of what is now
    in `output`, and the paths written or removed (nothing is touched when that is empty).
    """
    output = output.resolve()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        _recover_interrupted(output)
    except OSError as exc:
        raise _write_error(output, exc) from None
    plan: dict[str, tuple[OutputRecord | None, bytes | Path]] = {}  # path → (record kept, or None; what to write)
    for relative, data in files.items():
        earlier = records.get(relative)
        keep = earlier is not None and (data is None or earlier.digest == digest(data))
        plan[relative] = (replace(earlier, inputs=inputs.get(relative, b"")) if keep else None, data or b"")
    inputs = dict(inputs)
    for relative, source in copies.items():
        if relative not in files:
            inputs[relative] = digest(repr(_copy_signature(source)))
            earlier = records.get(relative)
            plan[relative] = (earlier if earlier is not None and earlier.inputs == inputs[relative] else None, source)
    changed = sorted([relative for relative, (kept, _) in plan.items() if kept is None]
                     + list(records.keys() - plan.keys()))
    if not changed and _holds_exactly(output, plan.keys()):
        return {relative: kept for relative, (kept, _) in plan.items() if kept is not None}, []
    return _swap_in(output, plan, inputs), changed


def _holds_exactly(output: Path, paths) -> bool:
    """Whether `output` has these files and no others (a clean build would remove strays)."""
    try:
        return set(_files_in(str(output))) == set(paths) | {MARKER}
    except OSError:
        return False


def _files_in(folder: str, prefix: str = ""):
    """The relative paths of the files under `folder` ('/'-separated, as output paths are)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _files_in(entry.path, f"{prefix}{entry.name}/")
            else:
                yield prefix + entry.name


def _swap_in(output: Path, plan: dict[str, tuple[OutputRecord | None, bytes | Path]],
             inputs: dict[str, bytes]) -> dict[str, OutputRecord]:
    """Build the new output beside the old one (kept files as hard links), then swap the two folders."""
    staging = output.parent / f".{output.name}{_NEW}{os.getpid()}"
    previous = output.parent / f".{output.name}{_OLD}{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    records: dict[str, OutputRecord] = {}
    try:
        staging.mkdir()
        for relative, (kept, data) in sorted(plan.items()):
            target = _inside(staging, relative)
            if kept is not None:
                _link_or_copy(output / relative, target)
                records[relative] = kept
                continue
            if isinstance(data, Path):
                shutil.copyfile(data, target)
                check = b""
            else:
                target.write_bytes(data)
                check = digest(data)
            status = target.stat()
            records[relative] = OutputRecord(inputs.get(relative, b""), check, status.st_size, status.st_mtime_ns)
        (staging / MARKER).write_text("This folder is written by sitegen and replaced on every build.\n")
        if output.exists():
            os.replace(output, previous)
        os.replace(staging, output)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if previous.exists() and not output.exists():
            os.replace(previous, output)
        if isinstance(exc, OSError):
            raise _write_error(output, exc) from None
        raise
    shutil.rmtree(previous, ignore_errors=True)
    return records


def _copy_signature(source: Path) -> tuple:
    """What says a copied file must be copied again: another source file, or the source changed."""
    return str(source), file_state(source)


def _link_or_copy(source: Path, target: Path) -> None:
    """A kept file: the same inode where the file system allows it, else a copy with its mtime."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def sync_output(output: Path, files: dict[str, bytes], copies: dict[str, Path],
                written: dict[str, object]) -> list[str]:
    """Bring `output` in line with `files` and `copies`, writing only what changed.

    For the preview server, which serves this folder while the author works:
    `written` (kept between calls) remembers what is there, so each rebuild
    touches only the files whose bytes or source changed, and removes the
    ones no longer built. Requests wait while it runs, so no swap is needed.
    """
    output = output.resolve()
    if not written and output.exists():  # a new session: start from an empty folder
        shutil.rmtree(output)
    output.mkdir(parents=True, exist_ok=True)
    (output / MARKER).write_text("This folder is written by sitegen serve.\n")
    wanted: dict[str, object] = {}
    changed = []
    try:
        for relative, data in files.items():
            wanted[relative] = data  # kept to compare with next time: equal bytes are not written again
            earlier = written.get(relative)
            if earlier is not data and earlier != data:
                _inside(output, relative).write_bytes(data)
                changed.append(relative)
        for relative, source in copies.items():
            if relative in files:
                continue
            wanted[relative] = _copy_signature(source)
            if written.get(relative) != wanted[relative]:
                shutil.copyfile(source, _inside(output, relative))
                changed.append(relative)
        for relative in sorted(written.keys() - wanted.keys()):
            gone = _inside(output, relative)
            gone.unlink(missing_ok=True)
            for folder in gone.parents:  # leave no empty folders behind, as a fresh build would not
                if folder == output or any(folder.iterdir()):
                    break
                folder.rmdir()
            changed.append(relative)
    except OSError as exc:
        written.clear()  # the folder is in an unknown state: the next call starts over
        raise _write_error(output, exc) from None
    written.clear()
    written.update(wanted)
    return sorted(changed)


def _recover_interrupted(output: Path) -> None:
    """Clean up after a build that was killed while writing: restore the old output, drop half-written ones."""
    for leftover in sorted(output.parent.glob(f".{output.name}.sitegen-*-*")):
        kind, _, pid = leftover.name.rpartition("-")
        if not pid.isdigit() or _is_running(int(pid)):
            continue
        if kind.endswith(_OLD.rstrip("-")) and not output.exists():
            os.replace(leftover, output)  # killed between the two renames of the swap
        else:
            shutil.rmtree(leftover, ignore_errors=True)


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


def _write_error(output: Path, exc: OSError) -> SiteError:
    return SiteError([error(str(output), 0, f"cannot write the site: {exc.strerror or exc}",
                            "check that its parent folder is writable and the disk has room")])


def _inside(root: Path, relative: str) -> Path:
    """`root/relative`, with its folder made; never a path outside `root`."""
    parts = relative.replace("\\", "/").split("/")
    if relative.startswith("/") or ".." in parts:
        raise ValueError(f"output path escapes the output folder: {relative!r}")
    target = root.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target
