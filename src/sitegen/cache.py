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
another machine) is never unpickled (compiled layouts are not stored at
all: render.py compiles them in every build). A value of the wrong kind is a miss. What can go wrong with
the database file itself is cachefile.py's to handle. Losing the cache only
costs time; `-v` notes each of these once.

A resident cache (the preview server's) also keeps what it stores and reads
as objects in memory, for the builds of one session: the engine is the same
as the command line's, only its records need no reading back from disk (and
with --no-cache, they are kept in memory alone).
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import pickle
import tempfile
from stat import S_ISREG
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from itertools import chain
from pathlib import Path
from typing import Any, Iterable

from . import __version__
from .cachefile import CacheFile, OutputRecord, Shape, fits
from .cachekey import Signer, UnusableKey, user_signer

_log = logging.getLogger(__name__)
CACHE_DIR = ".sitegen-cache"
DATABASE = "build.db"
# Anything that changes what a memo holds: sitegen's own code and the Python that pickled it (the last
# number counts changes between releases: 5, related lists from whole texts, by cosine; 6, an image's local
# file held as text, not a Path).
GENERATION = f"{__version__}|{sys.version_info[:2]}|6".encode()
_BATCH = 3000  # memos held before they are written
_KEYS_PER_QUERY = 500  # below SQLite's oldest limit of 999 parameters


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
    return digest(GENERATION, stage, settings, text)


class BuildCache:
    """The cache of one site folder; `enabled=False` (--no-cache) keeps nothing on disk, and nothing
    between builds unless `resident`: then the values and output records of this process's builds are
    also kept in memory, as objects."""

    def __init__(self, site_dir: Path, enabled: bool = True, resident: bool = False, read_only: bool = False):
        self.read_only = read_only  # `sitegen check`: what it builds is not the output's, and nothing is kept
        self._noted: set[str] = set()
        self.file = CacheFile(site_dir / CACHE_DIR / DATABASE if enabled else None, site_dir, self._note)
        self.signer: Signer | None = None
        if enabled:
            try:
                self.signer = user_signer()
            except UnusableKey as exc:
                self.file.give_up(str(exc))
        self.new_memos: dict[bytes, bytes] = {}  # made by this process, not yet stored
        self.used: set[bytes] = set()
        self._resident: dict[bytes, Any] | None = {} if resident else None  # values by key, as objects
        self._resident_outputs: dict[str, dict[str, OutputRecord]] = {}  # records by output folder
        self._held: dict[str, Any] = {}  # working objects kept for the session (`hold`)
        self._scratch: tempfile.TemporaryDirectory | None = None

    @property
    def keeps(self) -> bool:
        """Whether what a build stores is there for the next one (on disk, or in memory)."""
        return self._resident is not None or self.file.connection() is not None

    @property
    def path(self) -> Path | None:
        """The database, if this cache has one on disk."""
        return self.file.path

    @property
    def unusable(self) -> str | None:
        """Why the cache on disk is not used, if it cannot be (a warning)."""
        return self.file.unusable

    def _note(self, message: str) -> None:
        """Say under -v why a build does more than it might have, once per build cache."""
        if message not in self._noted:
            self._noted.add(message)
            _log.info(message)

    def folder(self, name: str) -> Path:
        """A folder beside the database for files of this cache (image variants); without
        a cache on disk (--no-cache, or one that cannot be used), a scratch folder of this process's, removed
        when it ends."""
        if self.path is not None:
            folder = self.path.parent / name
            try:
                if folder.is_symlink():  # (its files are pruned: those of wherever it leads)
                    raise OSError(errno.ELOOP, "it is a link")
                folder.mkdir(parents=True, exist_ok=True)
                return folder
            except OSError as exc:
                self._note(f"{folder} cannot be used ({exc.strerror}): a scratch folder is used instead")
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
        stored = self.new_memos.get(key) or self.file.fetch([key]).get(key)
        value = None if stored is None else self._fitting(self._unpickled(self._opened(key, stored)), kind)
        if value is not None and self._resident is not None:
            self._resident[key] = value
        return value

    def _opened(self, key: bytes, stored: bytes) -> bytes | None:
        """A stored value's pickle, or None unless it carries this user's tag for this key and decompresses
        (a value signed for another key, moved under this one, is refused)."""
        data = self.signer.opened(stored, b"memo" + key) if self.signer is not None else None
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
                stored.update(self.file.fetch([key for key, value in stored.items() if value is None]))
                found = [(key, value) for key, value in stored.items() if value is not None]
                del stored
                share = -(-len(found) // threads)
                parts = [found[at:at + share] for at in range(0, len(found), share)] if found else []
                payloads = (pool.map if pool else map)(lambda part: [self._opened(key, value) for key, value in part],
                                                       parts)
                for (key, _), payload in zip(found, chain.from_iterable(payloads)):
                    value = self._fitting(self._unpickled(payload), kind)
                    if value is not None:
                        values[key] = value
                        if self._resident is not None:
                            self._resident[key] = value
        return values

    def put(self, key: bytes, value: Any) -> None:
        self.used.add(key)
        if self._resident is not None:
            self._resident[key] = value
        if self.path is None:  # --no-cache, or a folder it cannot write: no memo is kept on disk
            return
        payload = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)  # HTML shrinks 4×
        self.new_memos[key] = self.signer.sign(payload, b"memo" + key)  # type: ignore[union-attr]

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
        return self.file.outputs(folder)

    def save(self, folder: Path | None = None, records: dict[str, OutputRecord] | None = None,
             prune: bool = False, changed: Iterable[str] | None = None) -> None:
        """Store new memos (and `records` for `folder`: only those of the `changed` paths, if given, the others
        being as stored); `prune` drops memos this build did not use."""
        if self.read_only:
            self.new_memos.clear()
            return
        if self._resident is not None:  # the preview server's: it prunes its memory, not the database, which
            self._keep_resident(folder, records, prune, changed)  # holds the records of `sitegen build` too
        try:
            self.file.store(self.new_memos, self.used if prune and self._resident is None else None, folder,
                            records, changed)
            self.new_memos.clear()  # (stored, or not to be: the next build does more)
        finally:
            if prune:  # the next build counts what it uses anew
                self.used = set()

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
