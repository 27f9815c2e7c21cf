"""The persistent build cache, `.sitegen-cache/build.db` in the site folder.

It holds what a build can reuse from the last one:

- memos of whole articles (keyed by the file's bytes, path and the settings,
  and checked against the image files they were read with, see `file_state`),
  of the pure text stages (parsed front matter, rendered Markdown, keyed by a
  hash of their input text and of the settings that shape them), of image
  files' digests and of each article file's memo key as it was last read
  (both by the file's state: a file in that state is not read again);
- for each output folder, what every file in it was made from (a digest of
  its inputs) and what was written (a digest of its bytes, size, mtime), so
  the next build renders only pages whose inputs changed and writes only
  files whose bytes changed.

A file's state (see `file_state`) stands for its bytes, as in git's index
and in the build stamp (stamp.py); beyond that nothing in it is trusted.
Values are pickles, and unpickling can run code, so each is stored with a
tag made with this user's secret key, kept outside the site folder
(cachekey.py): a value without this key's tag (forged, damaged, or from
another machine) is never unpickled, and the compiled layouts are signed
the same way. A value of the wrong kind is a miss; a damaged database is
thrown away and started again; a cache that cannot be opened or written
(another user's, a folder in its place) is a warning, and the build goes on
without it. Losing the cache only costs time; `-v` notes each of these once.

A resident cache (the preview server's) also keeps what it stores and reads
as objects in memory, for the builds of one session: the engine is the same
as the command line's, only its records need no reading back from disk (and
with --no-cache, they are kept in memory alone).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sqlite3
import tempfile
import threading
from stat import S_ISREG
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Iterable

from . import __version__
from .cachekey import Signer, UnusableKey, user_signer

_log = logging.getLogger(__name__)
CACHE_DIR = ".sitegen-cache"
DATABASE = "build.db"
# Anything that changes what a memo holds: sitegen's own code and the Python that pickled it.
_GENERATION = f"{__version__}|{sys.version_info[:2]}|3".encode()
_BATCH = 3000  # memos held before they are written
_KEYS_PER_QUERY = 500  # below SQLite's oldest limit of 999 parameters
_SCHEMA = """
CREATE TABLE IF NOT EXISTS memo (key BLOB PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS output (folder TEXT, path TEXT, inputs BLOB, digest BLOB, size INTEGER,
                                   mtime INTEGER, PRIMARY KEY (folder, path));
"""


def digest(*parts: bytes | str) -> bytes:
    """A 16-byte digest of `parts`, each length-prefixed so ('ab', 'c') ≠ ('a', 'bc')."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little") + data)
    return hasher.digest()


State = tuple[int, int, int, int]  # mtime, ctime, size, inode
FileState = tuple[str, "State | None"]  # a path, and its state or None: not a file


def file_state(path: str | os.PathLike) -> State | None:
    """What tells a changed file from an unchanged one, cheaply (as git's index does); None when there is
    no file. ctime changes with every write and cannot be set back, so a save that keeps the size and
    restores the mtime still shows (see stamp.py for a save within one clock tick)."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):  # ValueError: a name no file can have (a NUL in an image's src)
        return None
    if not S_ISREG(status.st_mode):
        return None
    return status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino


Shape = Any  # a type, or a tuple of shapes: a tuple of that many values of those shapes


def fits(value: Any, shape: Shape) -> bool:
    """Whether a value read back from the cache is of the shape its reader expects."""
    if isinstance(shape, tuple):
        return isinstance(value, tuple) and len(value) == len(shape) and all(map(fits, value, shape))
    return isinstance(value, shape)


_READ_FAILURES = (sqlite3.DatabaseError, UnicodeDecodeError)  # (text of a damaged page that is not UTF-8)


def _damage(exc: sqlite3.DatabaseError | UnicodeDecodeError) -> bool:
    """Whether SQLite found the file damaged, or not a database at all."""
    if isinstance(exc, UnicodeDecodeError):
        return True
    return (exc.sqlite_errorcode or 0) & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def remembered_repr(cls: type) -> type:
    """A frozen dataclass whose repr is made once per object. A page's fingerprint is the repr of its
    views, and one card, term or image is part of many pages: its repr is then made once, not once
    per page (and the recursion guard of dataclasses' repr is paid once)."""
    make = cls.__repr__

    def __repr__(self) -> str:
        text = self.__dict__.get("_repr")
        if text is None:
            text = make(self)
            object.__setattr__(self, "_repr", text)
        return text

    cls.__repr__ = __repr__  # type: ignore[method-assign]
    return cls


def memo_key(stage: str, settings: str, text: str) -> bytes:
    return digest(_GENERATION, stage, settings, text)


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


class BuildCache:
    """The cache of one site folder; `enabled=False` (--no-cache) keeps nothing on disk, and nothing
    between builds unless `resident`: then the values and output records of this process's builds are
    also kept in memory, as objects."""

    def __init__(self, site_dir: Path, enabled: bool = True, resident: bool = False):
        self.path = site_dir / CACHE_DIR / DATABASE if enabled else None
        self._site_dir = site_dir
        self.unusable: str | None = None  # why the cache on disk is not used, if it cannot be (a warning)
        self.signer: Signer | None = None
        self._noted: set[str] = set()
        self._db: sqlite3.Connection | None = None
        self._owner = (0, 0)  # the process and thread the connection was opened in
        self._maker = os.getpid()  # the process that may throw a damaged database away (not a worker)
        if self.path is not None:
            try:
                self.signer = user_signer()
            except UnusableKey as exc:
                self._give_up(str(exc))
        self.new_memos: dict[bytes, bytes] = {}  # made by this process, not yet stored
        self.used: set[bytes] = set()
        self._resident: dict[bytes, Any] | None = {} if resident else None  # values by key, as objects
        self._resident_outputs: dict[str, dict[str, OutputRecord]] = {}  # records by output folder
        self._held: dict[str, Any] = {}  # working objects kept for the session (`hold`)
        self._scratch: tempfile.TemporaryDirectory | None = None

    @property
    def keeps(self) -> bool:
        """Whether what a build stores is there for the next one (on disk, or in memory)."""
        return self._resident is not None or self._connection() is not None

    def _connection(self) -> sqlite3.Connection | None:
        """The database, opened once per process and thread (a forked worker opens its own)."""
        if self.path is None:
            return None
        owner = (os.getpid(), threading.get_ident())  # (SQLite's connections are not for other threads: the
        if self._db is None or self._owner != owner:  # preview server builds first in its main thread,
            self._owner = owner  # then in its build thread)
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection | None:
        for place, kind in ((self.path.parent, "a file, not a folder"), (self.path, "not a file")):
            if place.exists() and place.is_dir() == (place is self.path):
                self._give_up(f"{self._shown(place)} is {kind}")
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
            except _READ_FAILURES as exc:
                if attempt == 1 and _damage(exc):  # not a database (damaged, or something else): start again
                    self._note(f"the build cache {self._shown(self.path)} is not a database that can be read: started again")
                    self._remove()
                    continue
                self._give_up(f"{self._shown(self.path)} cannot be opened and written ({exc})")
            except OSError as exc:
                self._give_up(f"{self._shown(self.path)} cannot be opened and written ({exc.strerror or exc})")
            return None
        return None

    def _give_up(self, why: str) -> None:
        """Build without the cache on disk from now on (a warning says why)."""
        self.unusable, self.path, self._db = why, None, None

    def _note(self, message: str) -> None:
        """Say under -v why a build does more than it might have, once per build cache."""
        if message not in self._noted:
            self._noted.add(message)
            _log.info(message)

    def _shown(self, path: Path) -> str:
        """A path of the cache as messages show it: from the site folder."""
        return os.path.relpath(path, self._site_dir)

    def _remove(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _failed(self, exc: sqlite3.DatabaseError | UnicodeDecodeError, consequence: str) -> None:
        """A read or write of the database failed: a damaged database is started again (by the process
        that opened the cache: a worker only notes it), one that cannot be written is given up, and a
        busy one (another build holding it too long) costs this build `consequence`."""
        if _damage(exc) and os.getpid() == self._maker:
            self._note(f"the build cache {self._shown(self.path)} is damaged ({exc}): started again")
            if self._db is not None:
                self._db.close()
            self._db = None
            self._remove()
        elif (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN,
                                                    sqlite3.SQLITE_PERM, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL):
            self._give_up(f"{self._shown(self.path)} cannot be written ({exc})")
        else:
            self._note(f"the build cache could not be used ({exc}): {consequence}")

    def folder(self, name: str) -> Path:
        """A folder beside the database for files of this cache (compiled layouts, image variants); without
        a cache on disk (--no-cache, or one that cannot be used), a scratch folder of this process's, removed
        when it ends."""
        if self.path is not None:
            folder = self.path.parent / name
            try:
                folder.mkdir(parents=True, exist_ok=True)
                return folder
            except OSError as exc:
                self._note(f"{folder} cannot be made ({exc.strerror}): a scratch folder is used instead")
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="sitegen-")
        folder = Path(self._scratch.name) / name
        folder.mkdir(exist_ok=True)
        return folder

    def get(self, key: bytes, kind: Shape = object) -> Any | None:
        """The memo stored under `key`, or None when it is missing, damaged, forged or not of this `kind`."""
        self.used.add(key)
        if self._resident is not None and key in self._resident:
            return self._fitting(self._resident[key], kind)
        stored = self.new_memos.get(key) or self._fetch([key]).get(key)
        value = None if stored is None else self._fitting(self._unpickled(self._opened(stored)), kind)
        if value is not None and self._resident is not None:
            self._resident[key] = value
        return value

    def _opened(self, stored: bytes) -> bytes | None:
        """A stored value's pickle, or None unless it carries this user's tag and decompresses."""
        data = self.signer.opened(stored) if self.signer is not None else None
        if data is None:
            self._note("memos of the build cache without this user's key (made elsewhere, or damaged) were "
                       "not read: made again")
            return None
        try:
            return zlib.decompress(data)
        except zlib.error:
            return None

    def _unpickled(self, payload: bytes | None) -> Any | None:
        try:
            return None if payload is None else pickle.loads(payload)
        except Exception:  # from an older sitegen
            self._note("a memo of the build cache could not be read back: made again")
            return None

    def _fitting(self, value: Any | None, kind: Shape) -> Any | None:
        if value is None or fits(value, kind):
            return value
        self._note("a memo of the build cache is not of the kind expected (from another version?): made again")
        return None

    def get_many(self, keys: Iterable[bytes], threads: int = 2, kind: Shape = object) -> dict[bytes, Any]:
        """The memos stored under `keys`, missing and damaged ones left out: a batch of keys per query, each
        batch checked and decompressed on `threads` threads (zlib lets go of the GIL while it works) and
        unpickled before the next is fetched. For the 20,000 memos of 10,000 articles, about twice as fast
        as one `get` after another, holding no more than one batch's stored bytes besides the values."""
        wanted = list(dict.fromkeys(keys))
        self.used.update(wanted)
        values: dict[bytes, Any] = {}
        if self._resident is not None:
            values = {key: value for key in wanted if key in self._resident
                      for value in [self._fitting(self._resident[key], kind)] if value is not None}
            wanted = [key for key in wanted if key not in values]
        with ThreadPoolExecutor(threads) if threads > 1 else nullcontext() as pool:
            for start in range(0, len(wanted), _KEYS_PER_QUERY):
                batch = wanted[start:start + _KEYS_PER_QUERY]
                stored = {key: self.new_memos.get(key) for key in batch}
                stored.update(self._fetch([key for key, value in stored.items() if value is None]))
                found = [(key, value) for key, value in stored.items() if value is not None]
                del stored
                share = -(-len(found) // threads)
                parts = [found[at:at + share] for at in range(0, len(found), share)] if found else []
                payloads = (pool.map if pool else map)(lambda part: [self._opened(value) for _, value in part],
                                                       parts)
                for (key, _), payload in zip(found, chain.from_iterable(payloads)):
                    value = self._fitting(self._unpickled(payload), kind)
                    if value is not None:
                        values[key] = value
                        if self._resident is not None:
                            self._resident[key] = value
        return values

    def _fetch(self, keys: list[bytes]) -> dict[bytes, bytes]:
        """The stored values of these keys (at most _KEYS_PER_QUERY) that the database has."""
        db = self._connection()
        if db is None or not keys:
            return {}
        try:
            return dict(db.execute(f"SELECT key, value FROM memo WHERE key IN ({','.join('?' * len(keys))})",
                                   keys).fetchall())
        except _READ_FAILURES as exc:
            self._failed(exc, "its memos are made again")
            return {}

    def put(self, key: bytes, value: Any) -> None:
        self.used.add(key)
        if self._resident is not None:
            self._resident[key] = value
        if self.path is None:  # --no-cache, or a folder it cannot write: no memo is kept on disk
            return
        payload = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)  # HTML shrinks 4×
        self.new_memos[key] = self.signer.sign(payload)  # type: ignore[union-attr]

    def hold(self, name: str, value: Any) -> None:
        """Keep a working object (the related-posts index, updated in place) for the next build, if this
        cache is resident; it is never written to disk."""
        if self._resident is not None:
            self._held[name] = value

    def held(self, name: str) -> Any | None:
        """What `hold` kept under `name` for this session, or None."""
        return self._held.get(name)

    def take_news(self) -> tuple[dict[bytes, bytes], set[bytes]]:
        """The memos made and the keys used since the last call: what a worker sends to the parent."""
        news = (self.new_memos, self.used)
        self.new_memos, self.used = {}, set()
        return news

    def keep(self, keys) -> None:
        """Count these memos as used (they are what a reused memo was made from), so pruning keeps them."""
        self.used.update(keys)

    def adopt(self, news: tuple[dict[bytes, bytes], set[bytes]]) -> None:
        """Take the news of a worker process, or this process's own handed back (`take_news` where there are no
        workers), merged into the larger of the two, so the keys used are not copied again for each article;
        stored in batches, so a cold build does not hold them all."""
        memos, used = news
        if len(memos) > len(self.new_memos):
            memos, self.new_memos = self.new_memos, memos
        self.new_memos.update(memos)
        if len(used) > len(self.used):
            used, self.used = self.used, used
        self.used.update(used)
        if len(self.new_memos) >= _BATCH:
            self.save()

    def outputs(self, folder: Path) -> dict[str, OutputRecord]:
        """What the last build into `folder` wrote there, by output path."""
        if str(folder) in self._resident_outputs:
            return dict(self._resident_outputs[str(folder)])
        db = self._connection()
        if db is None:
            return {}
        try:
            rows = db.execute("SELECT path, inputs, digest, size, mtime FROM output WHERE folder = ?",
                              (str(folder),)).fetchall()
        except _READ_FAILURES as exc:
            self._failed(exc, "every output is written again")
            return {}
        records = {path: OutputRecord(inputs, check, size, mtime) for path, inputs, check, size, mtime in rows
                   if fits((path, inputs, check, size, mtime), (str, bytes, bytes, int, int))}
        if len(records) < len(rows):
            self._note("records of the build cache are not what they should be: their files are written again")
        return records

    def save(self, folder: Path | None = None, records: dict[str, OutputRecord] | None = None,
             prune: bool = False, changed: Iterable[str] | None = None) -> None:
        """Store new memos (and `records` for `folder`: only those of the `changed` paths, if given, the others
        being as stored); `prune` drops memos this build did not use."""
        if self._resident is not None:  # the preview server's: it prunes its memory, not the database, which
            self._keep_resident(folder, records, prune, changed)  # holds the records of `sitegen build` too
        try:
            self._store(folder, records, prune and self._resident is None, changed)
        finally:
            if prune:  # the next build counts what it uses anew
                self.used = set()

    def _store(self, folder: Path | None, records: dict[str, OutputRecord] | None, prune: bool,
               changed: Iterable[str] | None) -> None:
        db = self._connection()
        if db is None:
            self.new_memos.clear()
            return
        try:
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO memo VALUES (?, ?)", self.new_memos.items())
            if prune:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key BLOB PRIMARY KEY)")
                db.execute("DELETE FROM used")
                db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((key,) for key in self.used))
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
        except _READ_FAILURES as exc:  # locked by another build for too long, damaged, read-only
            try:
                db.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass
            self._failed(exc, "the next build does more")
            return
        self.new_memos.clear()

    def _keep_resident(self, folder: Path | None, records: dict[str, OutputRecord] | None, prune: bool,
                       changed: Iterable[str] | None) -> None:
        """What `save` stores, kept in memory too; `prune` also forgets what this build did not use."""
        if records is not None and folder is not None:
            if changed is None or str(folder) not in self._resident_outputs:
                self._resident_outputs[str(folder)] = dict(records)
            else:
                kept = self._resident_outputs[str(folder)]
                for path in changed:
                    if path in records:
                        kept[path] = records[path]
                    else:
                        kept.pop(path, None)
        if prune:
            self._resident = {key: value for key, value in self._resident.items() if key in self.used}
