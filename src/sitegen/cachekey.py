"""The secret that signs what the build cache stores, kept outside the site folder.

The cache holds pickles, and reading one back can run code; a cache folder
can come from anywhere (CI systems restore caches across branches and pull requests, an archive of
a site carries its `.sitegen-cache/`). So every value is stored with a keyed BLAKE2b tag, and a value
whose tag does not match this user's key is never unpickled: a cache written elsewhere is
a cache of misses. The key is 32 random bytes made on first use in the user's cache directory
(`$XDG_CACHE_HOME/sitegen/cache-key`, `~/.cache/sitegen/cache-key`), readable by its owner alone,
as ssh wants of a private key; or it comes from `SITEGEN_CACHE_KEY` (a CI secret, so the runs of
one repository can share a cache that pull requests from forks cannot forge).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
import time
from pathlib import Path

KEY_ENV = "SITEGEN_CACHE_KEY"
KEY_BYTES = 32
TAG_BYTES = 16
_SHORTEST_SECRET = 32  # characters of SITEGEN_CACHE_KEY


class UnusableKey(Exception):
    """The key cannot be had: the cache is not used (the message says why, and what to do)."""


class Signer:
    """Tags and checks stored values with one key."""

    def __init__(self, key: bytes):
        self._key = key

    def sign(self, data: bytes, bound: bytes = b"") -> bytes:
        """`data` with its tag in front, as it is stored; the tag covers `bound` too (what the data is stored
        as: a memo's key, a file's name), so it cannot be moved to stand for something else."""
        return self._tag(data, bound) + data

    def opened(self, stored: bytes, bound: bytes = b"") -> bytes | None:
        """The data of a stored value, or None when its tag is not this key's for `bound` (forged, damaged,
        moved, or made with another key)."""
        tag, data = stored[:TAG_BYTES], stored[TAG_BYTES:]
        return data if hmac.compare_digest(tag, self._tag(data, bound)) else None

    def _tag(self, data: bytes, bound: bytes) -> bytes:
        tagger = hashlib.blake2b(len(bound).to_bytes(8, "little") + bound, key=self._key, digest_size=TAG_BYTES)
        tagger.update(data)
        return tagger.digest()


def key_file() -> Path:
    """Where this user's key is kept: the platform's cache directory for the user."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "sitegen" / "cache-key"


def user_signer() -> Signer:
    """The signer of this user's cache entries; UnusableKey when there is no key to be had."""
    secret = os.environ.get(KEY_ENV) or None  # set but empty, as CI passes a secret never added: as if unset
    if secret is not None:
        if len(secret) < _SHORTEST_SECRET:
            raise UnusableKey(f"{KEY_ENV} is shorter than {_SHORTEST_SECRET} characters")
        return Signer(hashlib.blake2b(secret.encode(), digest_size=KEY_BYTES, person=b"sitegen-cache").digest())
    return Signer(_stored_key(key_file()))


def _stored_key(path: Path) -> bytes:
    try:
        _make_key(path)
        for _ in range(50):  # another build may have made the file a moment ago and be writing it
            with open(path, "rb") as file:
                status, key = os.fstat(file.fileno()), file.read(KEY_BYTES + 1)
            if key:
                break
            time.sleep(0.01)
    except OSError as exc:
        where = "XDG_CACHE_HOME to a folder of yours, or " if sys.platform not in ("win32", "darwin") else ""
        raise UnusableKey(f"its key {path} cannot be made or read ({exc.strerror}; set {where}{KEY_ENV})") from None
    if os.name == "posix" and (status.st_uid != os.getuid() or status.st_mode & 0o077):
        raise UnusableKey(f"its key {path} belongs to another user or others can read or change it "
                          f"(chmod 600 it, or delete it to have a new one made)")
    if len(key) != KEY_BYTES:
        raise UnusableKey(f"its key {path} is not {KEY_BYTES} bytes long (delete it to have a new one made)")
    return key


def _make_key(path: Path) -> None:
    """Write a new random key to `path` unless there is one: created with O_EXCL, so two builds starting at
    once agree on the key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as file:
        file.write(os.urandom(KEY_BYTES))
