"""What the last build was made from, to tell in milliseconds that a build has nothing to do.

Like make, or git's index: every file a build can read (site.yaml, the interface strings,
content/, layouts/, assets/, the theme, and sitegen's own files) is known by its mtime,
ctime, size and inode when the build starts. When all of them and the options are as they
were for the last successful build into the same folder, that folder is still exactly as it
was written (cache.py keeps a record of each file), and no future-dated article has come due
since, a new build would write the same bytes: it reports what the last one found and
touches nothing. Any difference, and the build runs as usual (reusing its memos).

Linked folders are followed; files an article reached outside these folders (an image at
'../../shared/x.png') are listed with the stamp and checked too. A file whose ctime (or mtime)
is within RACY_NS of the start of the build is not trusted (a change in the same clock tick may
leave all four numbers as they were): its bytes are digested as the build starts, and the next
build tells by them whether it changed (`recent`, `Stamp.changed`). ctime, unlike mtime,
cannot be set back by a tool (touch -d, rsync -t, an editor) — except on Windows, where it is
the creation time and only mtime and size tell.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .article import Article
from .cache import State, file_state, memo_key
from .config import CONFIG_NAME, BuildOptions, SiteConfig
from .errors import Diagnostic
from .i18n import SITE_STRINGS_DIR
from .theme import theme_dir
from .intact import FolderStates

RACY_NS = 2_000_000_000  # FAT's mtime has 2 s steps; a coarse network clock no worse than that
PACKAGE = Path(__file__).parent  # sitegen's code, its theme and its strings shape every page too

InputStates = dict[str, "State | None | tuple[()]"]  # path → its state (cache.file_state), or UNTRUSTED
UNTRUSTED: tuple[()] = ()  # a file changed too recently to tell a later change from it, or a folder unreadable


@dataclass(frozen=True)
class Stamp:
    """The inputs of a successful build, and what it reported."""

    build: int  # when the full build it comes from started (time.time_ns()): patch.py's snapshot has it too
    inputs: InputStates
    folders: FolderStates  # of the output it wrote, to tell that nothing was added there since
    outside: tuple[str, ...]  # files read outside those folders (images an article reached with '../')
    due: datetime | None  # when the earliest future-dated article it left out is due, or one shown expires
    made: datetime  # the build's "now": a build at an earlier moment may show fewer articles
    articles: int
    pages: int
    skipped_drafts: int
    skipped_future: int
    skipped_expired: int
    warnings: tuple[Diagnostic, ...]
    digests: dict[str, bytes] = field(default_factory=dict)  # of the files whose state was UNTRUSTED (`recent`)

    def changed(self, inputs: InputStates, digested: dict[str, bytes] | None = None) -> set[str]:
        """The files (and folders) not as this build found them: in another state, added or removed; or in a
        state too recent to trust then, and with other bytes now than then (the digests it reads are left
        in `digested`)."""
        found = set()
        for path in inputs.keys() | self.inputs.keys():
            now, then = inputs.get(path), self.inputs.get(path)
            if now == then and now != UNTRUSTED:
                continue
            if then == UNTRUSTED and now and now != UNTRUSTED and path in self.digests:
                data = file_digest(path)
                if digested is not None and data is not None:
                    digested[path] = data
                if data == self.digests[path]:
                    continue
            found.add(path)
        return found

    def holds_at(self, now: datetime) -> bool:
        """Whether a build with the same inputs at `now` would build what this one built: not at an earlier
        moment (which may show fewer articles), and no future-dated article it left out has come due."""
        return self.made <= now and (self.due is None or now < self.due)


def stamp_key(output: Path, options: BuildOptions) -> bytes:
    """Where the stamp of builds into `output` with these options is kept (the job count changes no byte)."""
    return memo_key("stamp", repr((options.drafts, options.future, options.expired, options.strict,
                                   options.fingerprint, options.base_url, tuple(Stamp.__dataclass_fields__))),
                    str(output))  # a stamp of another shape: none


CONFIG, LAYOUT, ASSET, CONTENT, DATA = "config", "layout", "asset", "content", "data"


def site_inputs(config: SiteConfig) -> dict[str, list[Path]]:
    """The files and folders a build of this site reads (besides sitegen's own), by kind: the one list that
    the stamp (what changed since the last build) and the preview server's watcher (what to watch) read."""
    theme = theme_dir(config).resolve()
    return {CONFIG: [config.site_dir / CONFIG_NAME, config.site_path(SITE_STRINGS_DIR)],  # strings go with it
            LAYOUT: [config.site_path(config.layouts_dir), theme / "layouts"],
            ASSET: [theme / "assets", config.site_path(config.assets_dir)],
            CONTENT: [config.site_path(config.content_dir)],
            DATA: [config.site_path(config.data_dir)]}


def input_states(config: SiteConfig) -> InputStates:
    """Every file a build of this site can read, with its state; a missing folder is listed as absent."""
    roots = [path for paths in site_inputs(config).values() for path in paths] + [PACKAGE]
    states: InputStates = {}
    for root in dict.fromkeys(roots):
        if root.is_dir():
            _add_tree(str(root), states, set())
        else:
            states[str(root)] = file_state(root)
    return states


def with_files(states: InputStates, paths) -> InputStates:
    """`states` and those of `paths` too."""
    return {**states, **{path: file_state(path) for path in paths}}


def _add_tree(folder: str, states: InputStates, seen: set[str]) -> None:
    """Every file under `folder`, linked folders followed (once: a link back up is no loop)."""
    real = os.path.realpath(folder)
    if real in seen:
        return
    seen.add(real)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        states[folder] = UNTRUSTED  # unreadable: the build will say why
        return
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__":
                _add_tree(entry.path, states, seen)
        else:
            states[entry.path] = file_state(entry.path)


def is_trusted(state: State | None, started_ns: int) -> bool:
    """Whether a file (or its absence) is old enough, at a build that started at `started_ns`, for a later
    change to show (by its ctime, or its mtime where ctime is the creation time: Windows)."""
    return state is None or (state != UNTRUSTED and max(state[0], state[1]) < started_ns - RACY_NS)


def recent(inputs: InputStates, started_ns: int, digested: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The digest of each file whose state is too recent, at a build that started at `started_ns`, to tell a
    later change from it (an editor saving twice in one clock tick): read when the build starts, before the
    build reads it, so that the next build tells by the bytes whether it changed (as git does with files
    it finds racily clean). A preview server rebuilds 50 ms after a save: every save is that recent.
    `digested`: digests read a moment ago (by Stamp.changed), not read again."""
    found = {}
    for path, state in inputs.items():
        if state and not is_trusted(state, started_ns):
            data = digested.get(path) if digested else None
            data = data if data is not None else file_digest(path)
            if data is not None:
                found[path] = data
    return found


def file_digest(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, lambda: hashlib.blake2b(digest_size=16)).digest()
    except OSError:
        return None


def trusted(inputs: InputStates, started_ns: int) -> InputStates:
    """The states, with those too recent to tell a later change apart marked UNTRUSTED."""
    return {path: state if is_trusted(state, started_ns) else UNTRUSTED for path, state in inputs.items()}  # type: ignore


def next_due(articles: tuple[Article, ...], now: datetime, options: BuildOptions) -> datetime | None:
    """When the earliest article dated in the future is due (left out until then, or shown as scheduled with
    --future), or the earliest shown expires (then a build must run)."""
    moments = [a.date for a in articles if a.date and a.date > now and not a.is_page]
    if not options.expired:
        moments += [a.expires for a in articles if a.expires and a.expires > now]
    return min(moments, default=None)
