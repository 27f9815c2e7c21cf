"""Files copied as they are (theme and site assets, content attachments), generated CSS,
and the theme's and site's CSS and JavaScript made small and given fingerprinted names.

`css/site.css` is published minified as `css/site.3f2a9c1b.css`, the eight hex
digits hashing its bytes, so a CDN or browser may keep it for a year: an edit
gives a new name. Layouts link it with `asset_url('css/site.css')`; the plain
name is not written (as Hugo does), so a stale link fails loudly instead of
serving an old file. The preview server keeps plain names, so that a CSS edit
changes one file and swaps the stylesheet without a reload.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import rcssmin
import rjsmin

from .article import StaticFile
from .config import SiteConfig
from .errors import Diagnostic
from .theme import asset_dirs, display_path, linked_from_outside

_MINIFIERS = {".css": lambda text: rcssmin.cssmin(text, keep_bang_comments=True),
              ".js": lambda text: rjsmin.jsmin(text, keep_bang_comments=True)}


@dataclass(frozen=True)
class StyleAndScripts:
    """The CSS and JS as published, and the names layouts know them by."""

    files: dict[str, bytes]  # output path → bytes ('css/site.3f2a9c1b.css' → minified CSS)
    names: dict[str, str]  # 'css/site.css' → 'css/site.3f2a9c1b.css'
    copies: dict[str, Path]  # the other files, copied as they are

    def url(self, base_path: str, path: str) -> str:
        """`asset_url()` in layouts: the published name of an asset, under base_url's path."""
        path = str(path).lstrip("/")
        return base_path + self.names.get(path, path)


def asset_files(config: SiteConfig, content_files: tuple[StaticFile, ...]) -> dict[str, Path]:
    """Output path → source file; the site's assets replace the theme's of the same name."""
    copies: dict[str, Path] = {}
    for folder in asset_dirs(config):
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith(".") and not name.endswith("~"):
                    path = Path(root) / name
                    copies[path.relative_to(folder).as_posix()] = path
    copies.update((static.output_path, static.source) for static in content_files)
    return copies


def files_from_outside(config: SiteConfig, copies: dict[str, Path]) -> list[Diagnostic]:
    """Under safe_mode, an error for each asset that a link takes outside content/ and assets/."""
    return [problem for source in copies.values()
            if (problem := linked_from_outside(config, source, _shown(source, config))) is not None]


def _shown(path: Path, config: SiteConfig) -> str:
    """A path of the site as it is written (display_path would follow the link)."""
    return path.relative_to(config.site_dir).as_posix() if path.is_relative_to(config.site_dir) else \
        display_path(path, config)


def style_and_scripts(copies: dict[str, Path], generated: dict[str, str], content_paths: set[str],
                      fingerprint: bool) -> StyleAndScripts:
    """Minify the assets' CSS and JS (and `generated` CSS); with `fingerprint`, name each by its hash.

    Files under content/ are left as they are: an article's own script may be linked by its plain name."""
    sources = {path: source.read_bytes() for path, source in copies.items()
               if path not in content_paths and Path(path).suffix in _MINIFIERS}
    sources.update((path, text.encode("utf-8")) for path, text in generated.items())
    files, names = {}, {}
    for path, data in sources.items():
        data = data if path.endswith((".min.css", ".min.js")) else _minified(path, data)
        names[path] = fingerprinted(path, data) if fingerprint else path
        files[names[path]] = data
    return StyleAndScripts(files, names, {path: source for path, source in copies.items() if path not in sources})


def _minified(path: str, data: bytes) -> bytes:
    try:
        return _MINIFIERS[Path(path).suffix](data.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:  # not UTF-8: published as it is, rather than guessed at
        return data


def fingerprinted(path: str, data: bytes) -> str:
    """'css/site.css' → 'css/site.3f2a9c1b.css', from a hash of the bytes."""
    stem, dot, suffix = path.rpartition(".")
    return f"{stem}.{hashlib.blake2b(data, digest_size=4).hexdigest()}{dot}{suffix}"


def highlight_css(config: SiteConfig) -> str:
    """Pygments colours for code blocks, in the style site.yaml names."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style=config.pygments_style).get_style_defs(".highlight") + "\n"
