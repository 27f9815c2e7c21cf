"""One build, in order: config → layouts → content → model → plan → render and write.

Loading and validation finish (and every error is reported) before anything is rendered or
written; then the plan (plan.py) lists every output, and the worker processes write each page
as they render it, the other files following; an output whose inputs' digest is the one its
record holds is not made again. Before all that, the last build's stamp may say that nothing
changed or that only some articles' text did: then the last build's model is taken up with
those articles swapped in (patch.py), and of its plan only the outputs that read what changed
are considered (none when nothing changed). The command line and the preview server run this same engine; the server keeps its
records in memory (a resident cache) rather than reading them back from .sitegen-cache/. One build of
a site runs at a time (lock.py).
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress
from datetime import datetime, timezone
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable

from .article import StaticFile
from .assets import asset_files, files_from_outside, highlight_css, style_and_scripts
from .cache import CACHE_DIR, BuildCache
from .config import BuildOptions, SiteConfig, config_warnings, load_config
from .content import load_content
from .errors import ERROR, Diagnostic, raise_if_errors, warning
from .imaging import prepare_images
from .lock import site_lock
from .model import Site, build_model
from .outputs import machine_files
from .plan import ASSET, COPY, Plan, clashes, plan_site
from .render import Page, layout_digests, layout_names, make_environment, render_site
from .urls import HIGHLIGHT_CSS
from .parallel import job_count
from .patch import keep_for_patches, patch_build
from .stamp import InputStates, Stamp, input_states, next_due, recent, stamp_key, trusted, with_files
from .intact import folder_states, folders_of, unchanged_files
from .staging import recover_interrupted
from .write import OutputWriter, check_output_dir, uninterrupted

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
    site: Site | None = None  # the model and the plan of a full build (None when it patched or had nothing to do)
    plan: Plan | None = None


def build(site_dir: Path, output: Path | None = None, options: BuildOptions = BuildOptions(),
          progress: Progress | None = None, waiting: Callable[[str], None] | None = None) -> BuildResult:
    """Build the site in `site_dir`; raise SiteError (and write nothing) if it has errors."""
    return Builder(site_dir, output, options).build(progress, waiting)


class Builder:
    """The builds of one site into one output folder. The command line makes one for a build; the preview
    server keeps one for its session, with a resident cache: the same engine, with its records (the
    stamp, the snapshot, what each output was made from, the memos) kept in memory between builds
    instead of read back from .sitegen-cache/."""

    def __init__(self, site_dir: Path, output: Path | None = None, options: BuildOptions = BuildOptions(),
                 resident: bool = False):
        self.site_dir, self.wanted_output, self.options = site_dir, output, options
        self.cache = BuildCache(site_dir, enabled=options.cache, resident=resident)

    def build(self, progress: Progress | None = None, waiting: Callable[[str], None] | None = None) -> BuildResult:
        """Build the site; raise SiteError (and write nothing) if it has errors. While another build of the
        site runs, wait for it (`waiting` is told who it is)."""
        with site_lock(self.site_dir, waiting):
            return self._build(progress)

    def _build(self, progress: Progress | None) -> BuildResult:
        started, started_ns = time.perf_counter(), time.time_ns()
        config = load_config(self.site_dir)
        output = (self.wanted_output or config.site_path(config.output_dir)).resolve()  # one key for its records
        with suppress(OSError):  # (if it cannot be done, the writer says why)
            recover_interrupted(output)  # a killed build's moves finished before the output is looked at
        now = self.options.now or datetime.now(timezone.utc)
        inputs, records, digests = {}, {}, {}
        if self.cache.keeps:  # a build with nothing to do stops here, one that edits a few articles patches
            inputs, records = input_states(config), self.cache.outputs(output)
            last, known = self.cache.get(stamp_key(output, self.options), Stamp), {}
            changed = last.changed(with_files(inputs, last.outside), known) if isinstance(last, Stamp) else None
            digests = recent(inputs, started_ns, known)  # (before anything is read)
            done = self._unless_full(config, output, inputs, digests, last, changed, records, now, started,
                                     started_ns)
            if done is not None:
                return done
        return self._full(config, output, inputs, digests, records, now, started, started_ns, progress)

    def _unless_full(self, config: SiteConfig, output: Path, inputs: InputStates, digests: dict[str, bytes],
                     last: Stamp | None, changed: set[str] | None, records: dict, now: datetime,
                     started: float, started_ns: int) -> BuildResult | None:
        """The build done from the last one's model (patch.py), when the stamp says that nothing it read
        changed since (no work) or only some articles' text did (their outputs redone); else None."""
        if last is None or changed is None:
            _log.info("a full build: the cache has no record of a build into %s with these options", output)
            return None
        patched = patch_build(config, output, self.options, self.cache, inputs, digests, last, changed, records,
                              now, started_ns)
        if patched is None:
            return None
        return BuildResult(last.articles, last.pages, len(patched.changed), patched.rendered, last.skipped_drafts,
                           last.skipped_future, patched.warnings, _since(started), output, patched.changed)

    def _full(self, config: SiteConfig, output: Path, inputs: InputStates, digests: dict[str, bytes],
              records: dict, now: datetime, started: float, started_ns: int,
              progress: Progress | None) -> BuildResult:
        """Load and check everything, plan the outputs, then render and write what changed: pages are
        written by the processes that render them, as they are rendered; the other files after."""
        env, problems = make_environment(config, self.cache)
        problems += config_warnings(config)
        problems += check_output_dir(config, output)
        jobs = job_count(self.options.jobs)
        content = load_content(config, progress, self.cache, jobs)
        problems += content.diagnostics
        images = prepare_images(config, content.articles, self.cache, jobs)  # made once (.sitegen-cache/images/)
        problems += images.diagnostics
        copies = asset_files(config, content.static_files)  # theme, site and content files copied as they are
        problems += files_from_outside(config, copies)
        copies.update(images.files)
        assets = style_and_scripts(copies, {HIGHLIGHT_CSS: highlight_css(config)},
                                   {static.output_path for static in content.static_files}, self.options.fingerprint)
        env.globals["asset_url"] = partial(assets.url, config.base_path)  # names change with the CSS and JS
        content = replace(content, articles=images.articles,
                          static_files=tuple(StaticFile(source, path) for path, source in copies.items()))
        site, model_problems = build_model(config, content, self.options, layout_names(env), now, self.cache)
        plan = plan_site(site, assets)  # every file this build outputs
        problems += model_problems + clashes(plan)
        problems = _apply_strictness(problems, self.options)
        raise_if_errors(problems)
        records = unchanged_files(output, records)
        writer = OutputWriter(output, records)
        try:
            recorded = {path: record.inputs for path, record in records.items()}
            pages, render_problems = render_site(
                site, env, plan, layout_digests(env, self.cache), progress, recorded, jobs,
                shared=repr(sorted(assets.names.items())), deliver=partial(_deliver, writer), write=writer.place)
            others = {**{job.output_path: (job.subject[1], b"") for job in plan.of(ASSET)},
                      **machine_files(site, plan, recorded)}
            copies = {job.output_path: job.subject for job in plan.of(COPY)}
            raise_if_errors(problems + render_problems)
            warnings = tuple(sorted(p for p in problems if not p.is_error))
            _hand_over(writer, others, copies)
            with uninterrupted():  # the output and what the cache says of it change together
                finished_ns = time.time_ns()  # (it leaves the output holding just what it wrote)
                changed = writer.finish()
                written_folders = folder_states(output, folders_of(writer.records), finished_ns)
                outside = tuple(sorted({path for article in content.articles for path, _ in article.depends_on}
                                       - inputs.keys()))
                keep_for_patches(self.cache, output, self.options, site, started_ns, content.memo_keys, assets.names)
                self.cache.put(stamp_key(output, self.options), Stamp(
                    started_ns, trusted(with_files(inputs, outside), started_ns), written_folders, outside,
                    next_due(content.articles, now, self.options), now,
                    len(site.articles), len(pages), site.skipped_drafts, site.skipped_future, warnings, digests))
                self.cache.save(output, writer.records, prune=True)
        except BaseException:
            writer.abandon()
            raise
        warnings += _cache_warnings(self.cache)
        return BuildResult(
            articles=len(site.articles), pages=len(pages), rendered=sum(page.rendered for page in pages),
            files_written=len(plan.paths.intersection(changed)), skipped_drafts=site.skipped_drafts,
            skipped_future=site.skipped_future, warnings=warnings, milliseconds=_since(started), output=output,
            changed=tuple(changed), site=site, plan=plan)


def _deliver(writer: OutputWriter, page: Page) -> None:
    """A page to the writer as it comes from rendering: written already by the worker that rendered it, or not."""
    if page.placed is not None:
        writer.adopt(page.placed)  # type: ignore[arg-type]
    else:
        writer.add(page.output_path, page.html, page.inputs)


def _hand_over(writer: OutputWriter, files: dict[str, tuple[bytes | None, bytes]], copies: dict[str, Path]) -> None:
    """Give the writer what is not a page (the pages went to it as they were rendered), and let it write:
    `files` are bytes (None: the file there is up to date) and the digest of their inputs."""
    for path, (data, inputs) in files.items():
        writer.add(path, data, inputs)
    for path, source in copies.items():
        writer.add(path, source)
    writer.wait()


def _cache_warnings(cache: BuildCache) -> tuple[Diagnostic, ...]:
    """Why the build cache was not used, if it could not be: a warning, not an error (--strict or not), since
    the site is built all the same, only without what the cache would have saved."""
    if cache.unusable is None:
        return ()
    return (warning(CACHE_DIR, 0, f"the build cache is not used: {cache.unusable}",
                    f"builds are slower without it; fix what the message says, or delete {CACHE_DIR}/"),)


def _since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _apply_strictness(problems: list[Diagnostic], options: BuildOptions) -> list[Diagnostic]:
    """Under --strict every warning is an error."""
    if not options.strict:
        return problems
    return [replace(p, severity=ERROR) for p in problems]
