"""One build, in order: config → layouts → content → model → plan → render and write.

Loading and validation finish (and every error is reported) before anything is rendered or
written; then the plan (plan.py) lists every output, and the worker processes write each page
as they render it, the other files following; an output whose inputs' digest is the one its
record holds is not made again. Before all that, the last build's stamp may say that nothing
changed or that only some articles' text did: then the last build's model is taken up with
those articles swapped in (patch.py), and of its plan only the outputs that read what changed
are considered (none when nothing changed). Either way the same steps make the outputs whose
inputs changed (`_produce`) and put them in place with the records of what they were made from
(`_finish`). The command line and the preview server run this same engine; the server keeps its
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

import jinja2

from .article import StaticFile
from .assets import StyleAndScripts, asset_files, files_from_outside, highlight_css, style_and_scripts
from .cache import CACHE_DIR, BuildCache
from .config import BuildOptions, SiteConfig, config_warnings, load_config, with_base_url
from .content import load_content
from .data import load_data
from .fields import TextStages
from .sections import load_intros, with_section_titles
from .errors import ERROR, Diagnostic, raise_if_errors, warning
from .imaging import prepare_images
from .lock import site_lock
from .model import Site, build_model, related_docs
from .outputs import machine_files
from .relatedlists import RelatedLists
from .plan import ASSET, COPY, Plan, clashes, plan_site
from .render import Page, layout_digests, layout_names, make_environment, render_site
from .urls import HIGHLIGHT_CSS
from .parallel import job_count
from .patch import Patch, keep_for_patches, keep_patched, take_up
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
    skipped_expired: int
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
                 resident: bool = False, read_only: bool = False):
        self.site_dir, self.wanted_output, self.options = site_dir, output, options
        self.cache = BuildCache(site_dir, enabled=options.cache, resident=resident, read_only=read_only)

    def build(self, progress: Progress | None = None, waiting: Callable[[str], None] | None = None) -> BuildResult:
        """Build the site; raise SiteError (and write nothing) if it has errors. While another build of the
        site runs, wait for it (`waiting` is told who it is)."""
        with site_lock(self.site_dir, waiting):
            return self._build(progress)

    def _build(self, progress: Progress | None) -> BuildResult:
        started, started_ns = time.perf_counter(), time.time_ns()
        config = with_section_titles(with_base_url(load_config(self.site_dir), self.options.base_url))
        output = (self.wanted_output or config.site_path(config.output_dir)).resolve()  # one key for its records
        with suppress(OSError):  # (if it cannot be done, the writer says why)
            recover_interrupted(output)  # a killed build's moves finished before the output is looked at
        now = self.options.now or datetime.now(timezone.utc)
        inputs, records, digests = {}, {}, {}
        if self.cache.keeps:  # what changed since the last build: nothing, or only some articles' text, or more
            inputs, records = input_states(config), self.cache.outputs(output)
            last, known = self.cache.get(stamp_key(output, self.options), Stamp), {}
            changed = last.changed(with_files(inputs, last.outside), known) if isinstance(last, Stamp) else None
            digests = recent(inputs, started_ns, known)  # (before anything is read)
            if last is None or changed is None:
                _log.info("a full build: the cache has no record of a build into %s with these options", output)
            else:
                patch = take_up(config, output, self.options, self.cache, inputs, digests, last, changed, records,
                                now, started_ns)
                done = self._patched(config, output, patch, last, records, started) if patch else None
                if done is not None:
                    return done
        return self._full(config, output, inputs, digests, records, now, started, started_ns, progress)

    def _patched(self, config: SiteConfig, output: Path, patch: Patch, last: Stamp, records: dict,
                 started: float) -> BuildResult | None:
        """The last build's model taken up (patch.py): make the outputs that read what was edited (none when
        nothing was), leaving the rest of the output as it is; None if a layout fails (the full build
        reports it)."""
        changed: list[str] = []
        rendered = 0
        if patch.site is not None:
            env, problems = make_environment(config, every=False)
            assets = StyleAndScripts({}, patch.asset_names, {})
            env.globals["asset_url"] = partial(assets.url, config.base_path)
            writer = OutputWriter(output, records)
            try:
                pages, render_problems = self._produce(patch.site, env, patch.plan, writer, records, assets)
                if problems or render_problems:
                    writer.abandon()
                    _log.info("a full build: a layout failed (the full build reports it)")
                    return None
                writer.keep_the_rest()
                changed = self._finish(output, writer, partial(keep_patched, self.cache, output, self.options, patch),
                                       list(patch.plan.paths))
            except BaseException:
                writer.abandon()
                raise
            rendered = sum(page.rendered for page in pages)
        elif patch.stamp is not None:
            with uninterrupted():
                keep_patched(self.cache, output, self.options, patch, {})
                self.cache.save()
        return BuildResult(last.articles, last.pages, len(changed), rendered, last.skipped_drafts,
                           last.skipped_future, last.skipped_expired, patch.warnings, _since(started), output,
                           tuple(changed))

    def _full(self, config: SiteConfig, output: Path, inputs: InputStates, digests: dict[str, bytes],
              records: dict, now: datetime, started: float, started_ns: int,
              progress: Progress | None) -> BuildResult:
        """Load and check everything, plan the outputs, then make and write those whose inputs changed."""
        env, problems = make_environment(config)
        problems += config_warnings(config)
        problems += check_output_dir(config, output)
        jobs = job_count(self.options.jobs)
        content = load_content(config, progress, self.cache, jobs)
        problems += content.diagnostics
        layouts = layout_names(env)
        related = RelatedLists(config, related_docs(config, content, self.options, layouts, now), self.cache,
                               jobs)  # (made on a core the next steps leave idle)
        try:
            images = prepare_images(config, content.articles, self.cache, jobs)  # made once (.sitegen-cache/images/)
            problems += images.diagnostics
            copies = asset_files(config, content.static_files)  # theme, site and content files copied as they are
            problems += files_from_outside(config, copies)
            copies.update(images.files)
            assets = style_and_scripts(copies, {HIGHLIGHT_CSS: highlight_css(config)},
                                       {static.output_path for static in content.static_files},
                                       self.options.fingerprint)
            env.globals["asset_url"] = partial(assets.url, config.base_path)  # names change with the CSS and JS
            content = replace(content, articles=images.articles,
                              static_files=tuple(StaticFile(source, path) for path, source in copies.items()))
            data = load_data(config.site_path(config.data_dir), config.data_dir)
            problems += data.diagnostics
            intros, intro_problems = load_intros(config, TextStages(config.limits.markdown_seconds))
            problems += intro_problems
            site, model_problems = build_model(config, content, self.options, layouts, now, self.cache, data,
                                               intros, related)
        finally:
            related.stop()
        plan = plan_site(site, assets)  # every file this build outputs
        problems += model_problems + clashes(plan)
        problems = _apply_strictness(problems, self.options)
        raise_if_errors(problems)
        records = unchanged_files(output, records)
        writer = OutputWriter(output, records)
        try:
            pages, render_problems = self._produce(site, env, plan, writer, records, assets, progress, jobs)
            raise_if_errors(problems + render_problems)
            warnings = tuple(sorted(p for p in problems if not p.is_error))
            outside = tuple(sorted({path for article in content.articles for path, _ in article.depends_on}
                                   - inputs.keys()))

            def record(written_folders: dict) -> None:
                keep_for_patches(self.cache, output, self.options, site, started_ns, content.memo_keys, assets.names)
                self.cache.put(stamp_key(output, self.options), Stamp(
                    started_ns, trusted(with_files(inputs, outside), started_ns), written_folders, outside,
                    next_due(content.articles, now, self.options), now,
                    len(site.articles), len(pages), site.skipped_drafts, site.skipped_future, site.skipped_expired,
                    warnings, digests))

            changed = self._finish(output, writer, record)
        except BaseException:
            writer.abandon()
            raise
        warnings += _cache_warnings(self.cache)
        return BuildResult(
            articles=len(site.articles), pages=len(pages), rendered=sum(page.rendered for page in pages),
            files_written=len(plan.paths.intersection(changed)), skipped_drafts=site.skipped_drafts,
            skipped_future=site.skipped_future, skipped_expired=site.skipped_expired, warnings=warnings, milliseconds=_since(started), output=output,
            changed=tuple(changed), site=site, plan=plan)

    def _produce(self, site: Site, env: jinja2.Environment, plan: Plan, writer: OutputWriter, records: dict,
                 assets: StyleAndScripts, progress: Progress | None = None, workers: int = 1) -> tuple[
            list[Page], list[Diagnostic]]:
        """Make the files of the plan whose inputs differ from those recorded for them, and hand them to the
        writer: feeds, sitemaps, search indexes and pages as they are made (written by the worker process
        that made them), then the CSS and JS, copied files; the writer has written them all on return
        (unless a layout failed: the rendering problems)."""
        recorded = {path: record.inputs for path, record in records.items()}
        pages, problems = render_site(site, env, plan, layout_digests(env, self.cache, site.data.digest), progress,
                                      recorded, workers,
                                      shared=repr(sorted(assets.names.items())), deliver=partial(_deliver, writer),
                                      write=writer.place, others=machine_files(site, plan, recorded))
        if problems:
            return pages, problems
        for job in plan.of(ASSET):
            writer.add(job.output_path, job.subject[1])
        for job in plan.of(COPY):
            writer.add(job.output_path, job.subject)
        writer.wait()
        return pages, problems

    def _finish(self, output: Path, writer: OutputWriter, record: Callable[[dict], None],
                changed: list[str] | None = None) -> list[str]:
        """Put the written files in place and `record` what the output now holds (given the states of the
        folders written to), as one step a Ctrl-C cannot split; the output paths that changed. `changed`:
        the only paths whose records may differ (a patch build's), else all of them are stored."""
        with uninterrupted():  # the output and what the cache says of it change together
            finished_ns = time.time_ns()  # (the folders written to are known to hold what they should then)
            written = writer.finish()
            record(folder_states(output, folders_of(writer.records) if changed is None
                                 else {path.rpartition("/")[0] for path in written}, finished_ns))
            if changed is None:
                self.cache.save(output, writer.records, prune=True)
            else:
                self.cache.save(output, writer.records, changed=changed)
        return written


def _deliver(writer: OutputWriter, page: Page) -> None:
    """A page to the writer as it comes from rendering: written already by the worker that rendered it, or not."""
    if page.placed is not None:
        writer.adopt(page.placed)  # type: ignore[arg-type]
    else:
        writer.add(page.output_path, page.html, page.inputs)


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
