"""A build taken up from the last build's site model with a few edited articles, instead of starting over.

Most saves change the text of one article: its page must be rendered again, and the listings,
related lists and feeds that show its card or entry if those changed; nothing else can have
changed. A full build finds that out by reading every article's memo and fingerprinting every
page (about 5 s at 10,000 articles). Here the last full build's model is read back (`Snapshot`:
its articles as `Outline`s, their bodies kept in their own memos) with the edited files swapped
in, and of its plan (plan.py) only the jobs that read a part of an edited article that changed are
kept (`Plan.reading`), as Hugo's server and make do: the work follows the change. build.py then
makes and writes them as it does a full build's jobs, and `keep_patched` records the result.

It applies when nothing changed since the last build into the same folder (no job to redo), or
only article files under content/ did (none added, removed or renamed), and each of them changed
only in what no URL, listing or sitemap depends on (`FREE`). When an edit changes what the
related-posts step reads (title, the start of summary and text), the related lists are made again
from what the last full build made them from (`RelatedDocs`) with the edited articles' in place,
and the pages of the articles whose list changed are rendered again too. Any other change, any
problem with an edited file, a damaged cache: `take_up` returns None (under -v, a note says why:
`FullBuild`) and the full build runs, reporting what it finds. The output is byte for byte that of
a full build (tests/test_patch.py and tests/test_engine.py build both after random edits)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path

from .article import Article, Outline, Term
from .cache import BuildCache, memo_key
from .cachefile import OutputRecord
from .config import BuildOptions, SiteConfig
from .content import is_skipped, remembered_articles, reread
from .errors import Diagnostic
from .imaging import prepare_images
from .intact import intact_folders
from .model import Site, related_doc, with_articles
from .relatedlists import related_lists
from .related import RelatedDoc, RelatedLink
from .outputs import search_entry
from .plan import ALIAS, ARTICLE, CARD, ENTRY, PAGE, RELATED, SEARCH_ENTRY, Job, Plan, plan_site, with_whole
from .stamp import UNTRUSTED, InputStates, Stamp, stamp_key, trusted, with_files
from .views import card

_NO_LINES: dict[str, int] = {}  # the field lines of every article of a snapshot (warnings are made before it)
_log = logging.getLogger(__name__)
MOST_FILES = 50  # edited at once; past that a full build is about as quick
# What an edit may change for the last build's model to hold with the article swapped in. Every other
# field of Article decides URLs, listings, related lists, the sitemap, images or warnings.
FREE = ("title", "subtitle", "summary", "breadcrumb", "toc", "body", "extra")


@dataclass(frozen=True)
class Snapshot:
    """The model of the last full build (`build`: its Stamp's), its articles (and pages) as Outlines."""

    build: int
    site: Site  # without its static files (thousands of paths, slow to read back), which an edit cannot change
    memo_keys: dict[str, bytes]  # each article's memo (content.py), by source
    asset_names: dict[str, str]  # 'css/site.css' → 'css/site.3f2a9c1b.css'


@dataclass(frozen=True)
class RelatedDocs:
    """What the related lists of the last full build were made from (Site.related_docs), kept apart from
    the snapshot: only an edit to a title, summary or the start of the text needs them."""

    build: int
    docs: tuple[RelatedDoc, ...]


@dataclass(frozen=True)
class Patches:
    """The articles swapped into a snapshot by the patch builds since (as Outlines), by source; and
    if those changed what related lists are made from, the docs of those articles and the lists that now
    show other articles than the snapshot's (a few, read by every patch build)."""

    build: int
    articles: dict[str, Outline]
    memo_keys: dict[str, bytes]
    related: dict[str, tuple[RelatedLink, ...]] = field(default_factory=dict)  # by key (url_path)
    docs: dict[str, RelatedDoc] = field(default_factory=dict)


def snapshot(site: Site, build: int, memo_keys: dict[str, bytes], asset_names: dict[str, str]) -> Snapshot:
    """The model as a patch build needs it, quick to read back: no bodies, no static files, one object for
    each term (not one per article that has it), nothing only the model's checks read."""
    terms: dict[Term, Term] = {}

    def shared(found: tuple[Term, ...]) -> tuple[Term, ...]:
        return tuple(terms.setdefault(term, term) for term in found)

    lean = {a.source: a.outline(section=a.section and shared((a.section,))[0], tags=shared(a.tags),
                                authors=shared(a.authors), field_lines=_NO_LINES, depends_on=())
            for a in (*site.articles, *site.pages)}
    return Snapshot(build, replace(with_articles(site, lean), static_files=(), related_docs=()), memo_keys,
                    asset_names)


def keep_for_patches(store: BuildCache, output: Path, options: BuildOptions, site: Site, build: int,
                     memo_keys: dict[str, bytes], asset_names: dict[str, str]) -> None:
    """What the patch builds after a full build start from: its model, no patches yet, and what its related
    lists were made from."""
    snapshot_key, patches_key, docs_key = snapshot_keys(output, options)
    store.put(snapshot_key, snapshot(site, build, memo_keys, asset_names))
    store.put(patches_key, Patches(build, {}, {}))
    store.put(docs_key, RelatedDocs(build, site.related_docs))


def snapshot_keys(output: Path, options: BuildOptions) -> tuple[bytes, bytes, bytes]:
    """Where the snapshot of builds into `output` with these options is kept, its patches, and its
    RelatedDocs."""
    stamp = stamp_key(output, options).hex()
    return tuple(memo_key(name, repr(tuple(kind.__dataclass_fields__)), stamp)  # type: ignore[return-value]
                 for name, kind in (("snapshot", Snapshot), ("patches", Patches), ("related docs", RelatedDocs)))


@dataclass(frozen=True)
class Patch:
    """A build taken up from the last one's model (`take_up`): that model with the edited articles swapped
    in, the part of its plan that reads what they changed (no job when nothing did), and what to record
    (`keep_patched`) once the output holds it."""

    site: Site | None  # None when nothing was edited
    plan: Plan  # the jobs to redo, the articles they show whole
    asset_names: dict[str, str]  # as the last full build published them
    warnings: tuple[Diagnostic, ...]
    stamp: Stamp | None  # the next stamp, its folders as found (those written to are added); None: keep the last
    patches: Patches | None  # the edits since the snapshot; None when nothing was edited


def take_up(config: SiteConfig, output: Path, options: BuildOptions, store: BuildCache, inputs: InputStates,
            digests: dict[str, bytes], last: Stamp, changed: set[str], records: dict[str, OutputRecord],
            now: datetime, started_ns: int) -> Patch | None:
    """The last build's model with the edited articles (of the `changed` files since the `last` build, none
    or up to MOST_FILES) swapped in; None if a full build is needed (and under -v, why)."""
    try:
        return _take_up(config, output, options, store, inputs, digests, last, changed, records, now, started_ns)
    except FullBuild as why:
        _log.info("a full build: %s", why)
        return None


def keep_patched(store: BuildCache, output: Path, options: BuildOptions, patch: Patch,
                 written: dict[str, tuple[int, int]]) -> None:
    """Record a patch build once its output is written: the new stamp, with the folders it wrote to as they
    are now (`written`), and the edits since the snapshot."""
    if patch.stamp is not None:
        store.put(stamp_key(output, options), replace(patch.stamp, folders={**patch.stamp.folders, **written}))
    if patch.patches is not None:
        store.put(snapshot_keys(output, options)[1], patch.patches)


class FullBuild(Exception):
    """What a patch build cannot apply: a full build must run."""


def _take_up(config: SiteConfig, output: Path, options: BuildOptions, store: BuildCache, inputs: InputStates,
             digests: dict[str, bytes], last: Stamp, changed: set[str], records: dict[str, OutputRecord],
             now: datetime, started_ns: int) -> Patch:
    if last.made > now:
        raise FullBuild("the clock is earlier than at the last build")
    if last.due is not None and now >= last.due:
        raise FullBuild("a future-dated article has come due")
    inputs = with_files(inputs, last.outside)  # images articles reached outside the site's folders
    edited = _edited_sources(config, inputs, last, changed)
    folders = intact_folders(output, records, last.folders)
    if folders is None:
        raise FullBuild(f"files in {output} were changed, added or removed since the last build")

    def new_stamp(**changes) -> Stamp:
        return replace(last, inputs=trusted(inputs, started_ns), made=now, digests=digests, folders=folders,
                       **changes)

    if not edited:  # nothing to do (or only an editor's swap or backup files changed); the stamp is renewed if
        renew = changed or folders != last.folders or UNTRUSTED in last.inputs.values()  # what it says changed
        return Patch(None, Plan((), {}), {}, last.warnings, new_stamp() if renew else None, None)
    snapshot_key, patches_key, docs_key = snapshot_keys(output, options)
    base, patches = store.get(snapshot_key, Snapshot), store.get(patches_key, Patches)  # (a full build writes both)
    if not (base is not None and patches is not None and base.build == patches.build == last.build):
        raise FullBuild("the model of the last build is not in the cache")
    memo_keys = {**base.memo_keys, **patches.memo_keys}
    if config != base.site.config:
        raise FullBuild("the settings differ from the last build's")
    if not all(source in memo_keys for source in edited):
        raise FullBuild("an edited file is not in the last build's model")
    latest = {a.source: a for a in (*base.site.articles, *base.site.pages)}  # as the model now has them
    latest.update(patches.articles)
    swapped, warnings, new_keys, retold = _edits(config, options, store, edited, memo_keys, latest,
                                                 list(last.warnings))
    earlier = {**base.site.related, **patches.related}  # the lists as the output shows them
    related, docs = earlier, patches.docs
    if retold:  # what related lists are made from changed: made again
        related, docs = _related_again(store, docs_key, last.build, config, retold, docs, options.jobs)
    site = replace(with_articles(base.site, {**patches.articles, **swapped}), related=related)  # (outlines but
    # for the edited articles)
    plan = plan_site(site)
    affected = plan.reading(_changed_parts(latest, swapped, earlier, related, site))
    redone = plan.only(with_whole(affected, _with_bodies(affected, swapped, memo_keys, config, store)))
    edits = Patches(last.build, {**patches.articles, **{source: a.outline() for source, a in swapped.items()}},
                    {**patches.memo_keys, **new_keys},
                    patches.related if related is earlier else {key: links for key, links in related.items()
                                                                if _shown(links) != _shown(base.site.related.get(key))},
                    docs)
    warnings.sort()
    return Patch(site, redone, base.asset_names, tuple(warnings), new_stamp(warnings=tuple(warnings)), edits)


def _edits(config: SiteConfig, options: BuildOptions, store: BuildCache, edited: list[str],
           memo_keys: dict[str, bytes], latest: dict[str, Outline], warnings: list[Diagnostic]) -> tuple[
        dict[str, Article], list[Diagnostic], dict[str, bytes], dict[str, Article]]:
    """The edited files read again: the model's articles with their FREE fields swapped in (by source; an
    edited draft is on no page), the build's warnings with theirs, their memo keys, and those of them whose
    related-posts document changed (by key). FullBuild if an edit changed more than FREE fields or has a
    problem the full build must report."""
    read, new_keys, problems = reread(config, edited, store)
    earlier = remembered_articles(store, [memo_keys[source] for source in edited])
    if problems:
        raise FullBuild(f"{problems[0].path} has a problem (the full build reports it)")
    if len(earlier) < len(edited):
        raise FullBuild("the memo of an edited article is not in the cache")
    swapped, retold = {}, {}
    for source in edited:
        article, found = read[source]
        old, old_found, _ = earlier[memo_keys[source]]
        if article is None or any(d.is_error for d in found) or (options.strict and found) \
                or any(d not in warnings for d in old_found):
            raise FullBuild(f"{source} has a problem (the full build reports it)")
        if not _same_but_free(old, article):
            raise FullBuild(f"{source}: a field that URLs, listings or images depend on changed")
        for diagnostic in old_found:
            warnings.remove(diagnostic)
        warnings += found
        if source in latest:  # else a draft, or not yet due: on no page
            imaged = prepare_images(config, (article,), store).articles[0]  # its images are unchanged
            swapped[source] = latest[source].with_body(imaged.body, **{name: getattr(imaged, name) for name in FREE
                                                                      if name != "body"})
            if not article.is_page and related_doc(old) != related_doc(article):
                retold[article.url_path] = swapped[source]
    return swapped, warnings, new_keys, retold


def _related_again(store: BuildCache, docs_key: bytes, build: int, config: SiteConfig, retold: dict[str, Article],
                   docs: dict[str, RelatedDoc], jobs: int) -> tuple[dict[str, tuple[RelatedLink, ...]],
                                                                    dict[str, RelatedDoc]]:
    """The related lists made again from the last full build's documents, with those of articles retold by
    earlier patches (`docs`) and now (`retold`, by key) in their place; and the documents that differ from
    the full build's, by key."""
    stored = store.get(docs_key, RelatedDocs)
    if not (stored is not None and stored.build == build):
        raise FullBuild("what the last build's related lists were made from is not in the cache")
    docs = {**docs, **{doc.key: related_doc(retold[doc.key], doc.picked) for doc in stored.docs if doc.key in retold}}
    return related_lists(config, tuple(docs.get(doc.key, doc) for doc in stored.docs), store, jobs,
                         made_from=stored.docs), docs


def _shown(links: tuple[RelatedLink, ...] | None) -> list[tuple[str, str]] | None:
    """What pages show of a related list: the articles, and whether they are a fallback."""
    return None if links is None else [(link.key, link.reason) for link in links]


def _edited_sources(config: SiteConfig, inputs: InputStates, last: Stamp, changed: set[str]) -> list[str]:
    """The article files (as sources) among the `changed` files; FullBuild if anything else changed."""
    content = str(config.site_path(config.content_dir)) + "/"
    edited = []
    for path in sorted(changed):
        relative = path.removeprefix(content)
        if relative == path or path in last.outside:  # (an image reached with '../../x.png' is, whatever its path)
            raise FullBuild(f"{path} changed (outside content/, or not an article)")
        if is_skipped(relative):  # an editor's swap or backup file is no content
            continue
        if path not in inputs or path not in last.inputs or inputs[path] is None:
            raise FullBuild(f"{path} was added or removed")
        edited.append(f"{config.content_dir}/{relative}")
    if len(edited) > MOST_FILES:
        raise FullBuild(f"{len(edited)} articles changed (a patch build takes at most {MOST_FILES})")
    return sorted(edited)


def _same_but_free(old: Article, new: Article) -> bool:
    return all(getattr(old, f.name) == getattr(new, f.name) for f in fields(Article) if f.name not in FREE)


def _changed_parts(model: dict[str, Outline], swapped: dict[str, Article],
                   earlier: dict[str, tuple[RelatedLink, ...]], related: dict[str, tuple[RelatedLink, ...]],
                   site: Site) -> dict[str, set[str]]:
    """What the edits changed, as plan.Plan.reading takes it: for each part of an article, the sources of the
    articles whose part changed. An edited article's page and feed entries always change; its card and
    search entry when what views.card and outputs.search_entry make of it do (`model`: the articles before
    the edits); an article's related list when the articles it shows do (scores are not shown)."""
    home, speed = site.config.base_path, site.config.reading_speed
    changed = {PAGE: set(swapped), ENTRY: set(swapped), CARD: set(), SEARCH_ENTRY: set(), RELATED: set()}
    for source, after in swapped.items():
        before = model[source]
        if card(before, home, speed) != card(after, home, speed):
            changed[CARD].add(source)
        if search_entry(before, home) != search_entry(after, home):
            changed[SEARCH_ENTRY].add(source)
    if related is not earlier:
        moved = {key for key in earlier.keys() | related.keys() if _shown(earlier.get(key)) != _shown(related.get(key))}
        changed[RELATED] = {a.source for a in site.articles if a.url_path in moved}
    return changed


def _with_bodies(jobs: list[Job], swapped: dict[str, Article], memo_keys: dict[str, bytes], config: SiteConfig,
                 store: BuildCache) -> dict[str, Article]:
    """The articles these jobs show whole (their pages, and the entries of full-content feeds) with their
    bodies read back, by source; not the edited ones, which have theirs."""
    wanted = {job.subject.source: job.subject for job in jobs if job.kind in (ARTICLE, ALIAS)}
    if config.feeds.full_content:
        wanted.update((a.source, a) for job in jobs for part, articles in job.reads if part == ENTRY for a in articles)
    missing = [source for source in wanted if source not in swapped]
    memos = remembered_articles(store, [memo_keys[source] for source in missing])
    if len(memos) < len(missing):
        raise FullBuild("the memo of an article to render again is not in the cache")
    imaged = prepare_images(config, tuple(memos[memo_keys[source]][0] for source in missing), store).articles
    return {source: wanted[source].with_body(full.body) for source, full in zip(missing, imaged)}
