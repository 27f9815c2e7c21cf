"""What changed on disk, for the preview server: watchdog events → kinds of change.

The watcher only notes changes; the server's build thread decides when to
rebuild (after a short quiet spell, so an editor's burst of writes for one
save gives one rebuild). Editor temporary files, version control folders and
the output folders are ignored.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path, PurePath

from watchdog.events import (DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileClosedEvent, FileCreatedEvent,
                             FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileSystemEvent,
                             FileSystemEventHandler)
from watchdog.observers import Observer

from .config import CONFIG_NAME, SiteConfig
from .stamp import site_inputs
_EVENTS = [FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileClosedEvent,
           DirCreatedEvent, DirDeletedEvent, DirMovedEvent]  # no opens, no reads: they only flood the queue
_IGNORED_DIRS = {".git", ".hg", ".svn", ".sitegen-cache", "__pycache__", "node_modules", ".idea", ".vscode"}


def is_editor_temporary(name: str) -> bool:
    """Swap, backup and lock files that editors write around a save (vim, emacs, JetBrains…)."""
    return (name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".bak")) or name.startswith((".#", "#"))
            or name == "4913" or name.startswith(".") and name.endswith(".kate-swp"))


class ChangeWatcher:
    """Watches the site (and an outside theme); `take()` returns and clears what changed."""

    def __init__(self, config: SiteConfig, ignored: list[Path]):
        self.config = config
        self.ignored = [p.resolve() for p in ignored]
        self.changes: dict[str, str] = {}  # path → kind
        self.last = 0.0  # when the latest change was noted
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.observer = Observer()
        self.handler = handler = _Handler(self)
        # Only what a build reads: watching the whole site would also watch public/ and the served
        # folder, whose thousands of folders overflow the kernel's event queue on a big site.
        self.observer.schedule(handler, str(config.site_dir), recursive=False, event_filter=_EVENTS)  # site.yaml
        self.inputs = site_inputs(config)
        folders = {path for paths in self.inputs.values() for path in paths} - {config.site_dir / CONFIG_NAME}
        self.unwatched = {folder for folder in folders if not folder.is_dir()}  # watched once made (data/)
        for folder in sorted(folders - self.unwatched):
            self.observer.schedule(handler, str(folder), recursive=True, event_filter=_EVENTS)

    def start(self) -> None:
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)

    def note(self, path: str) -> None:
        kind = self.kind_of(Path(path))
        if kind is None:
            return
        made = Path(path)
        if made in self.unwatched and made.is_dir():  # a folder a build reads, made while serving
            self.unwatched.discard(made)
            self.observer.schedule(self.handler, path, recursive=True, event_filter=_EVENTS)
        with self.lock:
            self.changes[path] = kind
            self.last = time.monotonic()
        self.wake.set()

    def take(self) -> dict[str, str]:
        with self.lock:
            changes, self.changes = self.changes, {}
            self.wake.clear()
        return changes

    def kind_of(self, path: Path) -> str | None:
        """What a changed file is to a build (stamp.site_inputs' kinds); None for what no build reads."""
        path = path.resolve() if path.exists() else Path(path).absolute()
        if is_editor_temporary(path.name) or _IGNORED_DIRS.intersection(PurePath(path).parts):
            return None
        if any(path == folder or folder in path.parents for folder in self.ignored):
            return None
        for kind, paths in self.inputs.items():
            if any(path == found or found in path.parents for found in paths):
                return kind
        return None


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: ChangeWatcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return  # a folder 'modified' only says one of its files changed, and that file has its own event
        self.watcher.note(str(event.src_path))
        if getattr(event, "dest_path", ""):
            self.watcher.note(str(event.dest_path))
