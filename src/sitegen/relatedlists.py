"""The related lists of a build: remembered, kept for patch builds, and made in another process.

The lists are a pure function of the documents (related/), and a costly one: counting the words of every
article and ranking them took 0.5 s at 1,000 articles and 4.5 s at 10,000, numpy and scipy's imports
besides. So a build reuses them from the cache when every article reads the same to the related step
(`related_lists`); a full build keeps its index there too, for the patch builds after it to update
(related/stored.py); and a full build that has to make them starts that work in a forked process as soon as
the articles are read (`RelatedLists`), to run on a core the rest of the model and the images leave
idle, and takes the lists when the model needs them.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from typing import Any

from .cache import BuildCache, digest, memo_key
from .cachefile import fits
from .config import SiteConfig
from . import parallel
from .related import RelatedByLanguage, RelatedDoc, RelatedLink

_log = logging.getLogger(__name__)
Lists = dict[str, tuple[RelatedLink, ...]]


def related_lists(config: SiteConfig, docs: tuple[RelatedDoc, ...], store: BuildCache | None = None,
                  jobs: int = 0, made_from: tuple[RelatedDoc, ...] | None = None) -> Lists:
    """The related lists made from these docs afresh (words counted on `jobs` processes), as a build without
    a cache makes them, or as `store` remembers them (made from the same docs by an earlier full or patch
    build). A full build also keeps its index in `store`; a patch build, whose docs are those of the full
    build (`made_from`) with some edited, takes that index up and updates it with the edited ones
    (related/stored.py), as the preview server updates the one it holds."""
    docs_digest = digest(repr(docs))
    lists = _remembered(config, docs, docs_digest, store, made_from is None)
    return lists if lists is not None else _made_here(config, docs, docs_digest, store, jobs, made_from)


def _made_here(config: SiteConfig, docs: tuple[RelatedDoc, ...], docs_digest: bytes, store: BuildCache | None,
               jobs: int, made_from: tuple[RelatedDoc, ...] | None = None) -> Lists:
    """The lists `related_lists` makes when `store` does not remember them (`docs_digest`: of these docs)."""
    if store is None:
        return RelatedByLanguage(config.related, jobs).update(docs).lists
    index = store.held("related index")  # a preview server's, made from the documents of its last build:
    if not (isinstance(index, RelatedByLanguage) and index.settings == config.related):  # updated with the
        index = _kept_index(config, store, made_from, jobs) if made_from is not None else None  # changes (the
        index = index or RelatedByLanguage(config.related, jobs)  # same lists: tests/test_related.py)
    current, known = {doc.key: doc for doc in docs}, index.docs
    index.update([doc for key, doc in current.items() if known.get(key) != doc], [key for key in known
                                                                                  if key not in current])
    store.hold("related index", index)
    lists = index.lists
    _keep(config, docs_digest, store, lists, _saved(index) if made_from is None else None)
    return lists


class RelatedLists:
    """The related lists of a full build's documents, being made in a forked process (or remembered, or to be
    made in this one when the lists are wanted: for a preview server, which holds its index, under -j 1, and
    for a site too small for a process to pay)."""

    def __init__(self, config: SiteConfig, docs: tuple[RelatedDoc, ...], store: BuildCache | None, jobs: int):
        self.config, self.docs, self.store, self.jobs = config, docs, store, jobs
        self._digest = digest(repr(docs))
        self._lists = _remembered(config, docs, self._digest, store, True)
        self._process: Any = None
        self._results: Any = None
        if (self._lists is None and (store is None or store.held("related index") is None) and jobs > 1
                and len(docs) >= parallel.SERIAL_BELOW and "fork" in multiprocessing.get_all_start_methods()):
            self._results, sending = multiprocessing.get_context("fork").Pipe(duplex=False)
            self._process = multiprocessing.get_context("fork").Process(
                target=_make_in_child, args=(config, docs, jobs, sending), name="sitegen-related", daemon=False)
            self._process.start()
            sending.close()

    def lists(self, docs: tuple[RelatedDoc, ...]) -> Lists:
        """The lists of `docs`: those being made, if they are the documents they are made from."""
        if self._lists is not None and docs == self.docs:
            return self._lists
        made = self._received() if self._process is not None else None
        if docs != self.docs:
            return related_lists(self.config, docs, self.store, self.jobs)
        if made is None:  # (the store was asked already)
            return _made_here(self.config, docs, self._digest, self.store, self.jobs)
        lists, kept = made
        _keep(self.config, self._digest, self.store, lists, kept)  # type: ignore[arg-type]
        self._lists = lists
        return lists

    def stop(self) -> None:
        """End the process if it still runs (a build that failed or was interrupted before taking the lists)."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._results.close()
            self._process = None

    def _received(self) -> tuple[Lists, bytes | None] | None:
        try:
            found = self._results.recv()
        except (EOFError, OSError):
            found = None
        finally:
            self.stop()
        if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], dict)):
            _log.info("the process making the related lists ended without them: they are made here")
            return None
        return found


def _make_in_child(config: SiteConfig, docs: tuple[RelatedDoc, ...], jobs: int, sending) -> None:
    """In the forked process: the lists and the index to keep, sent to the build (Ctrl-C is the build's to
    handle: it ends this process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        index = RelatedByLanguage(config.related, jobs).update(docs)
        sending.send((index.lists, _saved(index)))
    except Exception as exc:  # the build makes them again, and reports what fails then
        sending.send(repr(exc))
    finally:
        sending.close()
        os._exit(0)  # (no teardown of what the build's process holds: its objects, its open files)


def _remembered(config: SiteConfig, docs: tuple[RelatedDoc, ...], docs_digest: bytes, store: BuildCache | None,
                full: bool) -> Lists | None:
    """The lists `store` remembers for these docs, or None; for a full build, the index kept with them stays
    kept (if there is one: the next patch build takes it up)."""
    if store is None:
        return None
    stored = store.get(_lists_key(config, docs_digest), dict)  # kept as plain tuples: 46,000 links at 10,000
    lists = _stored_lists(stored, docs) if stored is not None else None  # articles unpickle 7× faster
    if lists is not None and full:
        store.keep([_index_key(config, docs_digest)])
    return lists


def _keep(config: SiteConfig, docs_digest: bytes, store: BuildCache | None, lists: Lists,
          kept: bytes | None) -> None:
    """Remember the lists made from the docs of this digest, and the index they were made with (`kept`)."""
    if store is None:
        return
    store.put(_lists_key(config, docs_digest), {article: tuple((link.key, link.score, link.reason) for link in links)
                                                for article, links in lists.items()})
    if kept is not None and not store.read_only:
        store.put(_index_key(config, docs_digest), kept)


def _saved(index: RelatedByLanguage) -> bytes | None:
    from .related.stored import saved_index

    return saved_index(index)


def _stored_lists(stored: dict, docs: tuple[RelatedDoc, ...]) -> Lists | None:
    """The related lists of a memo, if it holds a list of these documents' articles for each of them, as
    related_lists stores it; else None (-v says so), and they are made again."""
    keys = {doc.key for doc in docs}
    if stored.keys() == keys and all(isinstance(links, tuple) and all(
            fits(link, (str, float, str)) and link[0] in keys for link in links) for links in stored.values()):
        return {article: tuple(RelatedLink(*link) for link in links) for article, links in stored.items()}
    _log.info("the memo of the related lists does not hold a list for each article: they are made again")
    return None


def _lists_key(config: SiteConfig, docs_digest: bytes) -> bytes:
    return memo_key("related lists as tuples", repr(config.related), docs_digest.hex())


def _index_key(config: SiteConfig, docs_digest: bytes) -> bytes:
    return memo_key("related index", repr(config.related), docs_digest.hex())


def _kept_index(config: SiteConfig, store: BuildCache, made_from: tuple[RelatedDoc, ...],
                jobs: int) -> RelatedByLanguage | None:
    """The index a full build made from `made_from` and kept in `store`, or None (-v says why)."""
    data = store.get(_index_key(config, digest(repr(made_from))), bytes)
    if data is None:
        _log.info("the related-posts index of the last full build is not in the cache: it is made afresh")
        return None
    from .related.stored import restored_index

    index = restored_index(data, made_from, config.related, jobs)
    if index is None:
        _log.info("the related-posts index kept by the last full build does not fit its documents: made afresh")
    return index
