"""One build, in order: config → layouts → content → model → render → write.

Loading and validation finish (and every error is reported) before anything
is rendered; rendering finishes before anything is written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .assets import asset_files, check_asset_clashes, highlight_css
from .config import BuildOptions, config_warnings, load_config
from .content import load_content
from .errors import ERROR, Diagnostic, raise_if_errors
from .model import build_model
from .outputs import feed_files, search_index, sitemap_entries, sitemap_files
from .urls import HIGHLIGHT_CSS, SEARCH_INDEX
from .render import layout_names, make_environment, render_site
from .write import check_output_dir, write_output


@dataclass(frozen=True)
class BuildResult:
    articles: int
    pages: int
    files_written: int
    skipped_drafts: int
    skipped_future: int
    warnings: tuple[Diagnostic, ...]
    milliseconds: int
    output: Path


def build(site_dir: Path, output: Path | None = None, options: BuildOptions = BuildOptions(),
          progress: Callable[[str, int, int], None] | None = None) -> BuildResult:
    """Build the site in `site_dir`; raise SiteError (and write nothing) if it has errors."""
    started = time.perf_counter()
    config = load_config(site_dir)
    output = output or config.site_path(config.output_dir)
    env, problems = make_environment(config)
    problems += config_warnings(config)
    problems += check_output_dir(config, output)
    content = load_content(config, progress)
    problems += content.diagnostics
    site, model_problems = build_model(config, content, options, layout_names(env))
    problems += model_problems
    problems = _apply_strictness(problems, options)
    raise_if_errors(problems)
    pages, render_problems = render_site(site, env, progress)
    files = {page.output_path: page.html for page in pages}
    files[HIGHLIGHT_CSS] = highlight_css(config).encode("utf-8")
    files.update(feed_files(site))
    files.update(sitemap_files(site, sitemap_entries(site)))
    files[SEARCH_INDEX] = search_index(site)
    copies = asset_files(config, site.static_files)
    raise_if_errors(problems + render_problems + check_asset_clashes(copies, set(files), config))
    written = write_output(output, files, copies)
    return BuildResult(
        articles=len(site.articles), pages=len(pages), files_written=written, skipped_drafts=site.skipped_drafts,
        skipped_future=site.skipped_future, warnings=tuple(sorted(p for p in problems if not p.is_error)),
        milliseconds=round((time.perf_counter() - started) * 1000), output=output,
    )


def _apply_strictness(problems: list[Diagnostic], options: BuildOptions) -> list[Diagnostic]:
    """Under --strict every warning is an error."""
    if not options.strict:
        return problems
    return [replace(p, severity=ERROR) for p in problems]
