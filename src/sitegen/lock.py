"""One build of a site at a time: a lock that a second build waits for, saying who holds it.

Two builds of one site at once (an editor's save hook and a CI job, `sitegen build` while
`sitegen serve` rebuilds) share its cache and often its output: each would rename files the other
is writing. So a build holds an exclusive lock on a file of the user's cache directory named
after the site folder (not in the site folder, which may be read-only), the second one waits for
it, and the lock goes with the process that held it, however that process ends (`flock`). Where
the system has no `flock` (Windows) builds are not serialised, and `-v` says so.
"""

from __future__ import annotations

import logging
import os
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .cache import digest
from .cachekey import key_file

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

_log = logging.getLogger(__name__)


@contextmanager
def site_lock(site_dir: Path, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock of `site_dir` for the duration; if another build holds it, call `waiting` with who
    that is, then wait for it."""
    if fcntl is None:
        _log.info("builds of one site are not kept apart on this system (no flock)")
        yield
        return
    path = key_file().parent / "locks" / f"{digest(str(site_dir.resolve())).hex()}.lock"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        _log.info("builds of this site are not kept apart: %s cannot be made (%s)", path, exc.strerror)
        yield
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting(os.pread(descriptor, 400, 0).decode("utf-8", "replace").strip() or "another build")
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError as exc:  # a file system without locks (some network ones): build all the same
            _log.info("builds of this site are not kept apart: %s cannot be locked (%s)", path, exc.strerror)
            yield
            return
        holder = f"a build in process {os.getpid()} on {socket.gethostname()}"
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, holder.encode(), 0)
        yield
    finally:
        os.close(descriptor)  # (which lets go of the lock)
