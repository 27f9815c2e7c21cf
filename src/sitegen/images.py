"""Where an article's image lives, its public URL, and its pixel size.

`/images/x.jpg` is looked up in the site's assets/, then content/, then the
theme's assets/;
`x.jpg` is relative to the article's own folder under content/; remote URLs
are used as they are. Knowing width and height lets pages reserve the
image's space, so nothing shifts while it loads. The images of a Markdown
body are found here too, with their lines, so a missing one is reported
where it was written; imaging.py makes the variants of those that exist.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from .cache import FileState, file_state, remembered_repr
from .config import SiteConfig
from .errors import Diagnostic, error, warning
from .theme import refused_from_outside, theme_dir

_IMG_SRC = re.compile(r'<img\b[^>]*?\ssrc="([^"]*)"', re.I)
_REMOTE = ("http://", "https://", "//", "data:")
MISSING_HINT = "put the file in assets/ (/images/x.jpg) or beside the article, or fix the name"
OUTSIDE_HINT = "copy the image into the site's assets/ or beside the article"


@dataclass(frozen=True)
class ImageSource:
    """One format of a responsive image: its MIME type and its variants, narrowest first."""

    type: str  # 'image/webp'
    variants: tuple[tuple[str, int], ...]  # (URL, width in pixels)

    @property
    def srcset(self) -> str:
        return ", ".join(f"{url} {width}w" for url, width in self.variants)


@remembered_repr
@dataclass(frozen=True)
class ImageRef:
    url: str  # the original, full size: feeds, JSON-LD and og:image use it
    alt: str = ""
    caption: str = ""
    credit: str = ""
    width: int | None = None
    height: int | None = None
    file: str | None = None  # the local file behind `url`; None when remote or missing. (Text, not a Path: a
    # patch build unpickles every article's, and a Path takes ten times as long to come back.)
    sources: tuple[ImageSource, ...] = ()  # resized variants (imaging.py); the <img>'s own format last


@dataclass(frozen=True)
class BodyImage:
    """A local image of a Markdown body: `src` as the HTML has it, the line it was written on."""

    src: str
    line: int
    image: ImageRef


def resolve_image(src: str, article_relative: str, config: SiteConfig,
                  consulted: list[FileState] | None = None) -> tuple[ImageRef, str, bool]:
    """The image's reference, a problem ('' when the file was found), and whether the problem is an error (a
    file outside content/ and assets/, which safe_mode refuses); each file looked at is added to `consulted`,
    so a cached result can be checked against the files as they are now."""
    if src.startswith(_REMOTE):
        return ImageRef(src), "", False
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
        state = file_state(candidate)
        if consulted is not None:
            consulted.append((str(candidate), state))
        if state is not None:
            outside = refused_from_outside(config, candidate)
            if outside is not None:
                return ImageRef(url), f"image '{src}' is {outside}, outside content/ and assets/ (safe_mode)", True
            width, height = image_size(candidate, state)
            if width is None:
                return ImageRef(url), f"cannot read image '{src}' (not an image file, or damaged)", False
            return ImageRef(url, width=width, height=height, file=str(candidate)), "", False
    return ImageRef(url), f"image '{src}' not found", False


def body_images(body_html: str, markdown: str, body_line: int, source: str, relative: str, config: SiteConfig,
                consulted: list[FileState] | None = None) -> tuple[tuple[BodyImage, ...], list[Diagnostic]]:
    """The local images a rendered body shows, and a warning for each that is missing or unreadable."""
    found: list[BodyImage] = []
    problems: list[Diagnostic] = []
    lines = markdown.split("\n")
    for src in dict.fromkeys(html.unescape(m.group(1)) for m in _IMG_SRC.finditer(body_html)):
        if not src or src.startswith(_REMOTE) or src.lower().endswith(".svg"):
            continue
        line = body_line + next((i for i, text in enumerate(lines) if src in text), 0)
        ref, problem, refused = resolve_image(src, relative, config, consulted)
        if refused:
            problems.append(error(source, line, problem, OUTSIDE_HINT))
        elif problem:
            problems.append(warning(source, line, problem, MISSING_HINT))
        else:
            found.append(BodyImage(src, line, ref))
    return tuple(found), problems


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
def image_size(path: Path, state: tuple[int, int, int] | None = None) -> tuple[int | None, int | None]:
    """Pixel size read from the file header, honouring EXIF rotation; `state` (file_state) keys the
    cache, so a preview server notices an image replaced under the same name."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
    except (OSError, UnidentifiedImageError, ValueError):
        return None, None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)
