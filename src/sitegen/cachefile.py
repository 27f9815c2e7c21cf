"""The build cache's database, `.sitegen-cache/build.db`: read and written so that nothing wrong with it
stops a build.

It is SQLite, opened once per process and thread. What can go wrong is sorted three ways: a damaged
file (not a database, a page scribbled over, text that is not UTF-8) is thrown away and started again,
once, by the process that opened it; a file that cannot be opened or written (another user's, a folder
in its place, a full disk) is given up, and the build goes on without it, with a warning
(`unusable`); a busy one (another build holding it too long) only costs this build some work. Each is
noted once under -v. Values are stored as given (cache.py signs them); output records whose columns are
not of their types are left out.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memo (key BLOB PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS output (folder TEXT, path TEXT, inputs BLOB, digest BLOB, size INTEGER,
                                   mtime INTEGER, PRIMARY KEY (folder, path));
"""
_FAILURES = (sqlite3.DatabaseError, UnicodeDecodeError)  # (UnicodeDecodeError: a damaged page's text)
_TYPED = ("typeof(path) = 'text' AND typeof(inputs) = 'blob' AND typeof(digest) = 'blob' "
          "AND typeof(size) = 'integer' AND typeof(mtime) = 'integer'")  # an output record as stored
_UNWRITABLE = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_IOERR,
               sqlite3.SQLITE_FULL)

Shape = Any  # a type, or a tuple of shapes: a tuple of that many values of those shapes


def fits(value: Any, shape: Shape) -> bool:
    """Whether a value read back from the cache is of the shape its reader expects."""
    if isinstance(shape, tuple):
        return isinstance(value, tuple) and len(value) == len(shape) and all(map(fits, value, shape))
    return isinstance(value, shape)


@dataclass(frozen=True)
class OutputRecord:
    """One file of an output folder as the last build wrote it."""

    inputs: bytes  # digest of what the file was made from (a page's layout and view); b"" if not known
    digest: bytes  # digest of its bytes
    size: int
    mtime: int  # st_mtime_ns when written: a file changed by hand no longer matches

    def matches(self, path: str) -> bool:
        try:
            status = os.stat(path)
        except OSError:
            return False
        return status.st_size == self.size and status.st_mtime_ns == self.mtime


class CacheFile:
    """The database at `path` (None: none is used, as with --no-cache); `note` says why a build does more."""

    def __init__(self, path: Path | None, site_dir: Path, note: Callable[[str], None]):
        self.path = path
        self.unusable: str | None = None  # why the database is not used, if it cannot be (a warning)
        self._site_dir, self._note = site_dir, note
        self._db: sqlite3.Connection | None = None
        self._owner = (0, 0)  # the process and thread the connection was opened in
        self._maker = os.getpid()  # the process that may throw a damaged database away (not a worker)

    def give_up(self, why: str) -> None:
        """Build without the database from now on (a warning says why)."""
        self.unusable, self.path, self._db = why, None, None

    def connection(self) -> sqlite3.Connection | None:
        """The database, opened once per process and thread (a forked worker opens its own); None if there
        is none to use."""
        if self.path is None:
            return None
        owner = (os.getpid(), threading.get_ident())  # (SQLite's connections are not for other threads: the
        if self._db is None or self._owner != owner:  # preview server builds first in its main thread,
            self._owner = owner  # then in its build thread)
            self._db = self._open()
        return self._db

    def fetch(self, keys: list[bytes]) -> dict[bytes, bytes]:
        """The stored values of these keys (at most 999) that the database has."""
        db = self.connection()
        if db is None or not keys:
            return {}
        try:
            return dict(db.execute(f"SELECT key, value FROM memo WHERE key IN ({','.join('?' * len(keys))}) "
                                   "AND typeof(value) = 'blob'", keys).fetchall())
        except _FAILURES as exc:
            self._failed(exc, "its memos are made again")
            return {}

    def outputs(self, folder: Path) -> dict[str, OutputRecord]:
        """What the last build into `folder` wrote there, by output path."""
        db = self.connection()
        if db is None:
            return {}
        try:  # (rows whose columns are not of their types are left out by SQLite, quicker than here)
            rows = db.execute(f"SELECT path, inputs, digest, size, mtime FROM output WHERE folder = ? AND {_TYPED}",
                              (str(folder),)).fetchall()
            if db.execute(f"SELECT count(*) FROM output WHERE folder = ? AND NOT ({_TYPED})",
                          (str(folder),)).fetchone()[0]:
                self._note("records of the build cache are not what they should be: their files are written again")
        except _FAILURES as exc:
            self._failed(exc, "every output is written again")
            return {}
        return {path: OutputRecord(inputs, check, size, mtime) for path, inputs, check, size, mtime in rows}

    def store(self, memos: dict[bytes, bytes], used: set[bytes] | None, folder: Path | None,
              records: dict[str, OutputRecord] | None, changed: Iterable[str] | None) -> bool:
        """Store `memos` (and drop those not `used`, if given) and the `records` of `folder` (only those of the
        `changed` paths, if given), in one transaction; whether they were stored."""
        db = self.connection()
        if db is None:
            return False
        try:
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO memo VALUES (?, ?)", memos.items())
            if used is not None:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key BLOB PRIMARY KEY)")
                db.execute("DELETE FROM used")
                db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((key,) for key in used))
                db.execute("DELETE FROM memo WHERE key NOT IN (SELECT key FROM used)")
                db.execute("PRAGMA incremental_vacuum")
            if records is not None and folder is not None:
                if changed is None:
                    db.execute("DELETE FROM output WHERE folder = ?", (str(folder),))
                else:
                    db.executemany("DELETE FROM output WHERE folder = ? AND path = ?",
                                   ((str(folder), path) for path in changed))
                db.executemany("INSERT INTO output VALUES (?, ?, ?, ?, ?, ?)",
                               ((str(folder), path, r.inputs, r.digest, r.size, r.mtime) for path, r in (
                                   records.items() if changed is None else
                                   ((path, records[path]) for path in changed if path in records))))
            db.execute("COMMIT")
        except _FAILURES as exc:  # locked by another build for too long, damaged, read-only
            try:
                db.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass
            self._failed(exc, "the next build does more")
            return False
        return True

    def _open(self) -> sqlite3.Connection | None:
        for place, kind in ((self.path.parent, "a file, not a folder"), (self.path, "not a file")):
            if place.is_symlink():  # (what it leads to may be anything: a folder of the user's to prune)
                self.give_up(f"{self._shown(place)} is a link")
                return None
            if place.exists() and place.is_dir() == (place is self.path):
                self.give_up(f"{self._shown(place)} is {kind}")
                return None
        for attempt in (1, 2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                db.execute("PRAGMA auto_vacuum=INCREMENTAL")  # a new database gives back what pruning frees
                db.executescript(_SCHEMA)
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("BEGIN IMMEDIATE")  # fails now, not after the build, if it cannot be written
                db.execute("COMMIT")
                return db
            except _FAILURES as exc:
                if attempt == 1 and _damage(exc):  # not a database (damaged, or something else): start again
                    self._note(f"the build cache {self._shown(self.path)} is not a database that can be read: "
                               "started again")
                    self._remove()
                    continue
                self.give_up(f"{self._shown(self.path)} cannot be opened and written ({exc})")
            except OSError as exc:
                self.give_up(f"{self._shown(self.path)} cannot be opened and written ({exc.strerror or exc})")
            return None
        return None

    def _failed(self, exc: sqlite3.DatabaseError | UnicodeDecodeError, consequence: str) -> None:
        """A read or write failed: a damaged database is started again (by the process that opened the cache:
        a worker only notes it), one that cannot be written is given up, and a busy one costs this build
        `consequence`."""
        if _damage(exc) and os.getpid() == self._maker:
            self._note(f"the build cache {self._shown(self.path)} is damaged ({exc}): started again")
            if self._db is not None:
                self._db.close()
            self._db = None
            self._remove()
        elif (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF in _UNWRITABLE:
            self.give_up(f"{self._shown(self.path)} cannot be written ({exc})")
        else:
            self._note(f"the build cache could not be used ({exc}): {consequence}")

    def _shown(self, path: Path) -> str:
        """A path of the cache as messages show it: from the site folder."""
        return os.path.relpath(path, self._site_dir)

    def _remove(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


def _damage(exc: sqlite3.DatabaseError | UnicodeDecodeError) -> bool:
    """Whether SQLite found the file damaged, or not a database at all."""
    if isinstance(exc, UnicodeDecodeError):
        return True
    return (exc.sqlite_errorcode or 0) & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
