"""One build, in order: config → layouts → content → model → render → write.

Loading and validation finish (and every error is reported) before anything
is rendered; rendering finishes before anything is written. A `Builder` kept
between builds (the preview server) remembers what it did: unchanged files
are not parsed again, related lists are updated rather than recomputed,
pages whose inputs are unchanged are not rendered again, and only files whose
bytes changed are written. What it writes is what a fresh build writes.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime, timezone
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable

from .article import StaticFile
from .assets import asset_files, highlight_css, style_and_scripts
from .cache import BuildCache, ByIdentity
from .config import BuildOptions, SiteConfig, config_warnings, load_config
from .content import ParseCache, load_content
from .errors import ERROR, Diagnostic, raise_if_errors
from .imaging import prepare_images
from .model import Site, build_model
from .outputs import feed_files, search_indexes, sitemap_files
from .plan import ASSET, COPY, ROBOTS_FILE, SITEMAP_FILE, SITEMAP_INDEX, Plan, clashes, plan_site
from .related import RelatedByLanguage
from .render import Page, layout_names, make_environment, render_site
from .theme import layout_dirs
from .urls import HIGHLIGHT_CSS
from .parallel import job_count
from .patch import keep_for_patches, patch_build
from .stamp import Stamp, input_states, next_due, stamp_key, trusted, with_files
from .intact import folder_states, folders_of, intact_folders, unchanged_files
from .write import OutputWriter, check_output_dir, sync_output, uninterrupted

Progress = Callable[[str, int, int], None]
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildResult:
    articles: int
    pages: int
    files_written: int
    rendered: int  # pages rendered by this build (the others were unchanged)
    skipped_drafts: int
    skipped_future: int
    warnings: tuple[Diagnostic, ...]
    milliseconds: int
    output: Path
    changed: tuple[str, ...] = ()  # output paths written or removed by this build
    site: Site | None = None  # the model and the plan of a full build kept between builds (a preview server)
    plan: Plan | None = None


def build(site_dir: Path, output: Path | None = None, options: BuildOptions = BuildOptions(),
          progress: Progress | None = None) -> BuildResult:
    """Build the site in `site_dir`; raise SiteError (and write nothing) if it has errors."""
    return Builder(site_dir, output, options).build(progress)


class Builder:
    def __init__(self, site_dir: Path, output: Path | None = None, options: BuildOptions = BuildOptions(),
                 remember: bool = False):
        self.site_dir, self.wanted_output, self.options, self.remember = site_dir, output, options, remember
        self._config: SiteConfig | None = None
        self._layouts_digest = b""
        self._env = None
        self._env_problems: list[Diagnostic] = []
        self._parsed: ParseCache = {}
        self._imaged: dict = {}  # articles with their image variants, by source
        self._related: RelatedByLanguage | None = None
        self._pages: dict[str, Page] = {}
        self._views: dict = {}  # article views, by URL path
        self._feeds: dict = {}  # feeds, by output path
        self._sitemap: tuple[tuple, dict[str, bytes]] = ((), {})  # its entries and page versions, its files
        self._search_entries = ByIdentity()  # each article's entry in the search index
        self._written: dict[str, object] = {}
        self.cache = BuildCache(site_dir, enabled=options.cache)

    def build(self, progress: Progress | None = None) -> BuildResult:
        """Build the site; raise SiteError (and write nothing) if it has errors."""
        started, started_ns = time.perf_counter(), time.time_ns()
        config = load_config(self.site_dir)
        self._forget_unless(config)
        output = (self.wanted_output or config.site_path(config.output_dir)).resolve()  # one key for its records
        now = self.options.now or datetime.now(timezone.utc)
        inputs, records = {}, {}
        if not self.remember and self.options.cache:  # a build with nothing to do stops here
            inputs, records = input_states(config), self.cache.outputs(output)
            last = self.cache.get(stamp_key(output, self.options))
            if not isinstance(last, Stamp):
                _log.info("a full build: the cache has no record of a build into %s with these options", output)
            holds = isinstance(last, Stamp) and last.still_holds(with_files(inputs, last.outside), now)
            folders = intact_folders(output, records, last.folders) if holds else None
            if holds and folders is None:
                _log.info("a full build: files in %s were changed, added or removed since the last build", output)
            if folders is not None:
                if folders != last.folders:  # folders too recent to trust last time are now: say so
                    self.cache.put(stamp_key(output, self.options), replace(last, folders=folders))
                    self.cache.save()
                return BuildResult(last.articles, last.pages, 0, 0, last.skipped_drafts, last.skipped_future,
                                   last.warnings, _since(started), output)
            patched = isinstance(last, Stamp) and not holds and patch_build(
                config, output, self.options, self.cache, inputs, last, records, now, started_ns)
            if patched:  # only some articles' text changed: applied to the last build's model and output
                return BuildResult(last.articles, last.pages, len(patched.changed), patched.rendered,
                                   last.skipped_drafts, last.skipped_future, patched.warnings, _since(started),
                                   output, patched.changed)
        env, problems = self._environment(config)
        problems += config_warnings(config)
        problems += check_output_dir(config, output)
        jobs = job_count(self.options.jobs)
        content = load_content(config, progress, self._parsed if self.remember else None, self.cache, jobs)
        problems += content.diagnostics
        images = prepare_images(config, content.articles, self.cache,  # variants, made once (.sitegen-cache/images/)
                                self._imaged if self.remember else None, jobs)
        problems += images.diagnostics
        copies = asset_files(config, content.static_files)  # theme, site and content files copied as they are
        copies.update(images.files)
        assets = style_and_scripts(copies, {HIGHLIGHT_CSS: highlight_css(config)},
                                   {static.output_path for static in content.static_files}, self.options.fingerprint)
        env.globals["asset_url"] = partial(assets.url, config.base_path)  # names change with the CSS and JS
        content = replace(content, articles=images.articles,
                          static_files=tuple(StaticFile(source, path) for path, source in copies.items()))
        site, model_problems = build_model(config, content, self.options, layout_names(env), self._related, now,
                                           self.cache)
        plan = plan_site(site, assets)  # every file this build outputs
        problems += model_problems + clashes(plan)
        problems = _apply_strictness(problems, self.options)
        raise_if_errors(problems)
        records = unchanged_files(output, records)
        writer = None if self.remember else OutputWriter(output, records)  # writes while the pages render
        try:
            pages, render_problems = render_site(
                site, env, plan.jobs, progress, self._pages if self.remember else None,
                self._views if self.remember else None,
                {path: record.inputs for path, record in records.items()}, jobs,
                shared=repr(sorted(assets.names.items())),
                deliver=writer and partial(_deliver, writer), write=writer and writer.place)
            others = {**{job.output_path: job.subject[1] for job in plan.of(ASSET)},
                      **feed_files(site, plan.jobs, self._feeds if self.remember else None),
                      **self._sitemap_files(site, plan),
                      **search_indexes(site, plan.jobs, self._search_entries if self.remember else None)}
            copies = {job.output_path: job.subject for job in plan.of(COPY)}
            files: dict[str, bytes | None] = {**{page.output_path: page.html for page in pages}, **others}
            raise_if_errors(problems + render_problems)
            rendered = sum(page.rendered and self._pages.get(page.output_path) is not page for page in pages)
            warnings = tuple(sorted(p for p in problems if not p.is_error))
            if writer is None:
                changed = sync_output(output, files, copies, self._written)  # type: ignore[arg-type]
                self._pages = {page.output_path: page for page in pages}
                self.cache.save()
            else:
                _hand_over(writer, others, {p: s for p, s in copies.items() if p not in files})
                with uninterrupted():  # the output and what the cache says of it change together
                    finished_ns = time.time_ns()  # (it leaves the output holding just what it wrote)
                    changed = writer.finish()
                    written_folders = folder_states(output, folders_of(writer.records), finished_ns)
                    outside = tuple(sorted({path for article in content.articles for path, _ in article.depends_on}
                                           - inputs.keys()))
                    keep_for_patches(self.cache, output, self.options, site, started_ns, content.memo_keys,
                                     assets.names)
                    self.cache.put(stamp_key(output, self.options), Stamp(
                        started_ns, trusted(with_files(inputs, outside), started_ns),
                        written_folders, outside,
                        next_due(content.articles, now, self.options), now,
                        len(site.articles), len(pages), site.skipped_drafts, site.skipped_future, warnings))
                    self.cache.save(output, writer.records, prune=True)
        except BaseException:
            if writer is not None:
                writer.abandon()
            raise
        return BuildResult(
            articles=len(site.articles), pages=len(pages), rendered=rendered,
            files_written=sum(path in files or path in copies for path in changed),
            skipped_drafts=site.skipped_drafts, skipped_future=site.skipped_future,
            warnings=warnings,
            milliseconds=_since(started), output=output,
            changed=tuple(changed), site=site if self.remember else None, plan=plan if self.remember else None,
        )

    def _sitemap_files(self, site: Site, plan: Plan) -> dict[str, bytes]:
        jobs = plan.of(ROBOTS_FILE, SITEMAP_FILE, SITEMAP_INDEX)
        if not self.remember or self._sitemap[0] != (jobs, site.versions):
            self._sitemap = ((jobs, site.versions), sitemap_files(site, jobs))
        return self._sitemap[1]

    def _forget_unless(self, config: SiteConfig) -> None:
        """A changed site.yaml can change anything: start over."""
        if config != self._config:
            self._config = config
            self._parsed, self._pages, self._views, self._feeds, self._layouts_digest = {}, {}, {}, {}, b""
            self._imaged = {}
            self._sitemap, self._search_entries = ((), {}), ByIdentity()
            self._related = RelatedByLanguage(config.related) if self.remember else None

    def _environment(self, config: SiteConfig):
        """The layouts, compiled again only when a layout file changed."""
        digest = _layouts_digest(config) if self.remember else b""
        if self._env is None or digest != self._layouts_digest or not self.remember:
            self._env, self._env_problems = make_environment(config, self.cache.folder("layouts"))
            self._layouts_digest = digest
        return self._env, list(self._env_problems)


def _deliver(writer: OutputWriter, page: Page) -> None:
    """A page to the writer as it comes from rendering: written already by the worker that rendered it, or not."""
    if page.placed is not None:
        writer.adopt(page.placed)  # type: ignore[arg-type]
    else:
        writer.add(page.output_path, page.html, page.inputs)


def _hand_over(writer: OutputWriter, files: dict[str, bytes], copies: dict[str, Path]) -> None:
    """Give the writer what is not a page (the pages went to it as they were rendered), and let it write."""
    for path, data in files.items():
        writer.add(path, data)
    for path, source in copies.items():
        writer.add(path, source)
    writer.wait()


def _since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _layouts_digest(config: SiteConfig) -> bytes:
    hasher = hashlib.blake2b(digest_size=16)
    for folder in layout_dirs(config):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            hasher.update(str(path).encode() + b"\0" + path.read_bytes())
    return hasher.digest()


def _apply_strictness(problems: list[Diagnostic], options: BuildOptions) -> list[Diagnostic]:
    """Under --strict every warning is an error."""
    if not options.strict:
        return problems
    return [replace(p, severity=ERROR) for p in problems]
