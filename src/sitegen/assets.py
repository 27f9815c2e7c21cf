"""Files copied as they are (theme and site assets, content attachments) and generated CSS."""

from __future__ import annotations

import os
from pathlib import Path

from .config import SiteConfig
from .article import StaticFile
from .theme import asset_dirs


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


def highlight_css(config: SiteConfig) -> str:
    """Pygments colours for code blocks, in the style site.yaml names."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style=config.pygments_style).get_style_defs(".highlight") + "\n"
