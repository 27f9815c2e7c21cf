"""Where layouts and assets come from: the site's own folders first, then the theme.

The package ships one complete theme ("default"); `theme:` in site.yaml may
name a folder instead. A site overrides the theme file by file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Diagnostic, error

if TYPE_CHECKING:
    from .config import SiteConfig

BUILTIN_THEMES = Path(__file__).parent / "themes"


def theme_dir(config: SiteConfig) -> Path:
    builtin = BUILTIN_THEMES / config.theme
    if "/" not in config.theme and builtin.is_dir():
        return builtin
    return config.site_path(config.theme)


def layout_dirs(config: SiteConfig) -> list[Path]:
    return [path for path in (config.site_path(config.layouts_dir), theme_dir(config) / "layouts")
            if path.is_dir()]


def asset_dirs(config: SiteConfig) -> list[Path]:
    """Asset folders, the theme's first so the site's files are copied over them."""
    return [path for path in (theme_dir(config) / "assets", config.site_path(config.assets_dir))
            if path.is_dir()]


def refused_from_outside(config: SiteConfig, path: Path | str) -> str | None:
    """Under safe_mode, where a file really is if a link or '../' takes it outside the folders a site
    publishes from (content/, assets/, the theme's): text from people the site does not trust must not
    publish /etc/passwd, nor the site folder's own .git/config or .env. None otherwise."""
    if not config.safe_mode:
        return None
    real = Path(os.path.realpath(path))
    allowed = (config.site_path(config.content_dir), config.site_path(config.assets_dir), theme_dir(config).resolve())
    return None if any(real.is_relative_to(folder) for folder in allowed) else str(real)


def linked_from_outside(config: SiteConfig, path: Path | str, shown: str) -> Diagnostic | None:
    """Under safe_mode, the error for a file of content/ or assets/ (`shown` as its user wrote it) that is a
    link to a file outside the folders a site publishes from; None otherwise."""
    outside = refused_from_outside(config, path)
    if outside is None:
        return None
    return error(shown, 0, f"a link to {outside}, outside content/ and assets/ (safe_mode publishes nothing "
                           "from elsewhere)", "copy the file into the site instead")


def display_path(path: Path, config: SiteConfig) -> str:
    """A path as users should read it: relative to the site, or 'theme:default/...'."""
    try:
        return path.resolve().relative_to(config.site_dir).as_posix()
    except ValueError:
        pass
    try:
        return f"theme:{path.resolve().relative_to(BUILTIN_THEMES).as_posix()}"
    except ValueError:
        return str(path)
