"""The only stage that writes the output, so that a failed or interrupted build leaves the previous
site exactly as it was.

Pages are written while they are rendered, by the worker processes that render them, and the other
files after them (OutputWriter), all into a staging folder beside the output, never inside it (a
deploy that runs meanwhile publishes no half-built file). At the end, when the output is as the
last build left it, the new files are moved into it, one rename each, after a journal listing the
moves is written: a build killed during the moves (`kill -9`, the OOM killer) has them finished by the
next build before anything else (staging.py); otherwise the staging folder, completed with the
unchanged files, replaces the output folder. Until then, and if the build fails, the output is as it was. A file
whose bytes or source are unchanged is not written again.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Iterator, NamedTuple

from .cache import digest, file_state
from .cachefile import OutputRecord
from .intact import MARKER, MARKER_TEXT, files_in, holds_exactly, marked
from .config import SiteConfig
from .errors import Diagnostic, SiteError, error
from .staging import (OLD, discard, in_the_way, inside, move_in, recover_interrupted, staged_name,
                      staging_folder)



class Placed(NamedTuple):
    """A page's file as a worker process left it (OutputWriter.place), for the writer to take (`adopt`)."""

    relative: str
    inputs: bytes
    record: OutputRecord | None  # of the file written; None if the file there already held these bytes
    failure: tuple[bytes, OSError | ValueError] | None = None  # the bytes and why writing them failed


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


class OutputWriter:
    """Makes `output` hold exactly the files handed to `add`, written while the build goes on.

    A file whose bytes or source are those of its record (a file the last build wrote and nobody
    touched since, see intact.py) is kept as it is, so it keeps its inode and mtime and a
    deploy tool sees it unchanged; a page whose data is None was not rendered again (its `inputs`,
    the digest of what it is made from, match the record). The others are written by a thread as
    they come (file system calls release the GIL, so writing overlaps rendering), into a staging folder
    beside the output. `finish` then moves them into the output when the last build's records are there
    (few files change; see the module's note on the journal), else completes the staging folder and swaps
    the two folders. Until then, and if the build fails, the output is as it was.
    """

    def __init__(self, output: Path, records: dict[str, OutputRecord]):
        self.output = output.resolve()
        self.staging = staging_folder(self.output)  # named here: workers write into it too
        try:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            recover_interrupted(self.output)
            discard(self.staging)  # (a link planted under this process's staging name is not followed)
        except OSError as exc:
            raise _write_error(self.output, exc) from None
        self.records = records  # of the last build's files still as written; after `finish`, of the new output
        self.in_place = bool(records) and (self.output / MARKER).is_file()
        self.inputs: dict[str, bytes] = {}
        self.plan: dict[str, tuple[OutputRecord | None, bytes | Path]] = {}  # path → (record kept, or None; data)
        self._writing: list[tuple[str, Future]] = []  # submitted to the thread
        self._written: dict[str, OutputRecord] = {}  # and done
        self._failure: OSError | ValueError | None = None  # of a write elsewhere (`adopt`)
        self._thread: ThreadPoolExecutor | None = None
        self._checked = False  # whether the output was found to hold just the recorded files (`keep_the_rest`)

    def add(self, relative: str, data: bytes | Path | None, inputs: bytes = b"") -> None:
        """One file of the new output: its bytes, the file to copy, or None for a page kept as it is."""
        earlier = self.records.get(relative)
        if isinstance(data, Path):
            inputs = digest(repr(_copy_signature(data)))
            keep = earlier is not None and earlier.inputs == inputs
        else:
            keep = earlier is not None and (data is None or earlier.digest == digest(data))
        self.inputs[relative] = inputs
        self.plan[relative] = (replace(earlier, inputs=inputs) if keep else None, data or b"")  # type: ignore[arg-type]
        if not keep:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="sitegen-writer")
            self._writing.append((relative, self._thread.submit(self._write, relative, data or b"", inputs)))

    def place(self, relative: str, data: bytes, inputs: bytes) -> Placed:
        """Write a page where it was rendered: a worker process, which inherited this writer when it was
        forked, so that pages do not all pass through this process to be written by its one thread."""
        earlier = self.records.get(relative)
        if earlier is not None and earlier.digest == digest(data):
            return Placed(relative, inputs, None)
        try:
            return Placed(relative, inputs, self._write(relative, data, inputs))
        except (OSError, ValueError) as exc:
            return Placed(relative, inputs, None, (data, exc))

    def adopt(self, placed: Placed) -> None:
        """Take a page `place`d elsewhere as if it had been handed to `add` (a failure is raised by `wait`)."""
        earlier = self.records.get(placed.relative)
        self.inputs[placed.relative] = placed.inputs
        if placed.failure is not None:
            self.plan[placed.relative] = (None, placed.failure[0])  # for a build aside (see `_wait`)
            self._failure = self._failure or placed.failure[1]
        elif placed.record is None:
            self.plan[placed.relative] = (replace(earlier, inputs=placed.inputs), b"")  # type: ignore[arg-type]
        else:
            self.plan[placed.relative] = (None, b"")
            self._written[placed.relative] = placed.record

    def _write(self, relative: str, data: bytes | Path, inputs: bytes) -> OutputRecord:
        if self.in_place:  # under a name of its own: no copy of the output's folders to make
            target = self.staging / staged_name(relative)
            target.parent.mkdir(parents=True, exist_ok=True)
        else:
            target = inside(self.staging, relative)
        try:  # (a rename keeps its mtime)
            return _write_file(target, data, inputs)
        except BaseException:
            target.unlink(missing_ok=True)  # half written
            raise

    def wait(self) -> None:
        """Let the thread write all it was given (a failure is raised here, and nothing of it stays)."""
        self._wait()

    def keep_the_rest(self) -> None:
        """Every recorded file not handed to `add` stays as it is (a build that rendered a few pages, having
        found the output intact: see intact.py); `finish` then skips looking for stray files."""
        for relative, record in self.records.items():
            if relative not in self.plan:
                self.plan[relative] = (record, b"")
                self.inputs[relative] = record.inputs
        self._checked = True

    def finish(self) -> list[str]:
        """Put the new files in place (quick after `wait`); the paths written or removed. `records` then says
        what `output` holds."""
        written = self._wait()
        changed = sorted([relative for relative, (kept, _) in self.plan.items() if kept is None]
                         + list(self.records.keys() - self.plan.keys()))
        self.records = {relative: kept for relative, (kept, _) in self.plan.items() if kept is not None}
        if not changed and (self._checked or holds_exactly(self.output, self.plan.keys()) and marked(self.output)):
            return []
        if self.in_place and in_the_way(self.output, written):
            self._set_aside(written)  # a stray file where a folder goes, or the reverse: the new output goes aside
        if not self.in_place:
            self.records = _swap_in(self.output, self.staging, self.plan, self.inputs, written)
            return changed
        pending = sorted(written, key=lambda relative: (relative.endswith(".html"), relative))  # CSS before pages
        try:
            with uninterrupted():  # Ctrl-C waits for the moves: the output is the old site or the new one
                move_in(self.output, self.staging, pending)
        except OSError as exc:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise _write_error(self.output, exc) from None  # the next build writes again what is not as recorded
        self.records.update((relative, written[relative]) for relative in pending)
        if not self._checked:
            _remove_all_but(self.output, self.plan.keys() | {MARKER})
            if not marked(self.output):  # edited by hand, or the preview server's
                (self.output / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        return changed

    def _set_aside(self, written: dict[str, OutputRecord]) -> None:
        """Build the new output beside the old one after all: the files written so far go where they belong
        in the staging folder, which `_swap_in` then completes."""
        try:
            for relative in written:
                os.replace(self.staging / staged_name(relative), inside(self.staging, relative))
            for shard in "0123456789abcdef":  # emptied (a build leaves no empty folder)
                with suppress(OSError):
                    (self.staging / shard).rmdir()
        except (OSError, ValueError) as exc:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise _write_error(self.output, exc) if isinstance(exc, OSError) else exc from None
        self.in_place = False

    def abandon(self) -> None:
        """The build failed: leave the output as it was."""
        self._wait(raising=False)

    def _wait(self, raising: bool = True) -> dict[str, OutputRecord]:
        """What was written (by the thread, or by workers: `adopt`). If a write failed, or the build did, the
        staging folder is removed (the output is as it was)."""
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=not raising)  # a failed build: write no more
        written, failure, self._failure = self._written, self._failure, None
        for relative, future in self._writing:
            if future.cancelled():
                continue
            try:
                written[relative] = future.result()
            except (OSError, ValueError) as exc:
                failure = failure or exc
        self._writing = []
        if failure is None and raising:
            return written
        shutil.rmtree(self.staging, ignore_errors=True)  # (with what a worker stopped by the failure wrote)
        self._written = {}
        if not raising:
            return {}
        raise failure if isinstance(failure, ValueError) else _write_error(self.output, failure)  # type: ignore


def _remove_all_but(output: Path, wanted) -> None:
    """Delete the files of `output` not in `wanted`, its empty folders, and the folders that leaves empty (as a
    fresh build has none)."""
    for relative in set(files_in(str(output))) - wanted:
        gone = output / relative
        if relative.endswith("/"):
            _remove_empty_folders(gone, output)
        else:
            gone.unlink(missing_ok=True)
            _remove_empty_folders(gone.parent, output)


def _remove_empty_folders(folder: Path, root: Path) -> None:
    """Remove `folder` and its parents up to `root` while they are empty."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or already gone)
            return
        folder = folder.parent


COMPLETE = "the build was complete: the output folder holds the new site"


@contextmanager
def uninterrupted(then: str = COMPLETE) -> Iterator[None]:
    """Ctrl-C (and SIGTERM) wait until the block is done; one that came meanwhile is raised after it, saying
    `then` (by default that the new output is in place: most blocks put it there).

    A handler that only notes the signal, not a blocked signal mask: the kernel may hand a signal to
    any thread, and Python then runs its handler in the main thread whatever that thread's mask."""
    global _shielded
    if _shielded or threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {number: signal.signal(number, lambda got, frame: caught.append(got))
                for number in (signal.SIGINT, signal.SIGTERM)}
    _shielded = True
    try:
        yield
    finally:
        _shielded = False
        for number, handler in previous.items():
            signal.signal(number, handler)
    if caught:  # (not when the block failed: that failure is what is reported)
        raise KeyboardInterrupt(then)


_shielded = False  # inside `uninterrupted`: an inner one adds nothing


def _swap_in(output: Path, staging: Path, plan: dict[str, tuple[OutputRecord | None, bytes | Path]],
             inputs: dict[str, bytes], written: dict[str, OutputRecord]) -> dict[str, OutputRecord]:
    """Complete the new output in `staging`, beside the old one (`written` is there already; kept files
    become hard links, the rest is written now), then swap the two folders."""
    previous = output.parent / f".{output.name}{OLD}{os.getpid()}"
    records: dict[str, OutputRecord] = {}
    try:
        staging.mkdir(exist_ok=True)
        for relative, (kept, data) in sorted(plan.items()):
            if relative in written:
                records[relative] = written[relative]
                continue
            target = inside(staging, relative)
            if kept is not None:
                _link_or_copy(output / relative, target)
                records[relative] = kept
                continue
            records[relative] = _write_file(target, data, inputs.get(relative, b""))
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        with uninterrupted():
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


def _write_file(target: Path, data: bytes | Path, inputs: bytes) -> OutputRecord:
    """Write bytes, or copy a file, to `target`; the record of it."""
    if isinstance(data, Path):
        shutil.copyfile(data, target)
        check = b""
    else:
        target.write_bytes(data)
        check = digest(data)
    status = target.stat()
    return OutputRecord(inputs, check, status.st_size, status.st_mtime_ns)


def _copy_signature(source: Path) -> tuple:
    """What says a copied file must be copied again: another source file, or the source changed."""
    return str(source), file_state(source)


def _link_or_copy(source: Path, target: Path) -> None:
    """A kept file: the same inode where the file system allows it, else a copy with its mtime."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _write_error(output: Path, exc: OSError) -> SiteError:
    return SiteError([error(str(output), 0, f"cannot write the site: {exc.strerror or exc}",
                            "check that its parent folder is writable and the disk has room")])


