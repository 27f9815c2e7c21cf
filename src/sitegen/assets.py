"""Files copied as they are (theme and site assets, content attachments) and generated CSS."""

from __future__ import annotations

import os
from pathlib import Path

from .config import SiteConfig
from .article import StaticFile
from .errors import Diagnostic, error
from .theme import asset_dirs, display_path


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


def check_asset_clashes(copies: dict[str, Path], generated: set[str], config: SiteConfig) -> list[Diagnostic]:
    """An asset at the path of a generated file would be silently lost: an error."""
    return [error(display_path(copies[path], config), 0, f"this file would be replaced by the generated /{path}",
                  "rename or move it") for path in sorted(copies.keys() & generated)]


def highlight_css(config: SiteConfig) -> str:
    """Pygments colours for code blocks, in the style site.yaml names."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style=config.pygments_style).get_style_defs(".highlight") + "\n"
