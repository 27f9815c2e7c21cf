"""Where an article's image lives, its public URL, and its pixel size.

`/images/x.jpg` is looked up in the site's assets/, then content/, then the
theme's assets/;
`x.jpg` is relative to the article's own folder under content/; remote URLs
are used as they are. Knowing width and height lets pages reserve the
image's space, so nothing shifts while it loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from .config import SiteConfig
from .theme import theme_dir


@dataclass(frozen=True)
class ImageRef:
    url: str
    alt: str = ""
    caption: str = ""
    credit: str = ""
    width: int | None = None
    height: int | None = None


def resolve_image(src: str, article_relative: str, config: SiteConfig) -> tuple[ImageRef, str]:
    """The image's reference and a problem ('' when the file was found)."""
    if src.startswith(("http://", "https://", "//", "data:")):
        return ImageRef(src), ""
    if src.startswith("/"):
        site_path = src.lstrip("/")
        candidates = [config.site_path(config.assets_dir) / site_path,
                      config.site_path(config.content_dir) / site_path,
                      theme_dir(config) / "assets" / site_path]
    else:
        folder = PurePosixPath(article_relative).parent
        site_path = (folder / src).as_posix()
        candidates = [config.site_path(config.content_dir) / site_path]
    url = config.base_path + quote(_normalized(site_path))
    for candidate in candidates:
        if candidate.is_file():
            width, height = image_size(candidate)
            if width is None:
                return ImageRef(url), f"cannot read image '{src}' (not an image file, or damaged)"
            return ImageRef(url, width=width, height=height), ""
    return ImageRef(url), f"image '{src}' not found"


def _normalized(site_path: str) -> str:
    parts: list[str] = []
    for part in PurePosixPath(site_path).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", "/"):
            parts.append(part)
    return "/".join(parts)


@lru_cache(maxsize=4096)
def image_size(path: Path) -> tuple[int | None, int | None]:
    """Pixel size read from the file header, honouring EXIF rotation."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
    except (OSError, UnidentifiedImageError, ValueError):
        return None, None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)
