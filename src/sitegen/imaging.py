"""Responsive images: resized variants of the local images articles use, made once and cached.

Every local JPEG, PNG or WebP that an article shows (its front matter
`image`, or `![alt](x.jpg)` in its body) gets variants at the widths of
site.yaml's `images:` (never wider than the original) in each format there,
turned upright by its EXIF orientation and stripped of metadata. Making them
is the slow part of a build, so they are kept under
`.sitegen-cache/images/<key>/`, where the key hashes the file's bytes and
the settings that shape the output: a second build only copies them.

Pages then get `<picture>` elements with `srcset`, `sizes`, `width` and
`height`; feeds, JSON-LD and og:image keep the original's full-size URL.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, unquote

from markupsafe import Markup, escape

from .article import Article
from .cache import BuildCache, file_state, memo_key
from .config import ImagesConfig, SiteConfig
from .errors import Diagnostic, warning
from .images import ImageRef, ImageSource
from .staging import discard

_VERSION = b"imaging 1"  # bump when the way variants are made changes: old cache entries are then ignored
_MANIFEST = "variants.json"
_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
_MIME_TYPES = {mime for _, mime in _FORMATS.values()}
_VARIANT_NAME = re.compile(r"[0-9]+w\.(?:jpg|png|webp)")  # as _resize_all names them
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r'([^\s"\'>/=]+)(?:="([^"]*)")?')


@dataclass(frozen=True)
class ImageSet:
    """Articles whose images now carry their variants, the variant files to publish, and problems."""

    articles: tuple[Article, ...]
    files: dict[str, Path]  # output path → the cached variant
    diagnostics: tuple[Diagnostic, ...]


class ImageFailed(Exception):
    """A local image that could be identified but not turned into variants (a truncated file, say)."""


def prepare_images(config: SiteConfig, articles: tuple[Article, ...], store: BuildCache, jobs: int = 1) -> ImageSet:
    """Each article with the variants of its local images, made now (on `jobs` threads) or found in the
    cache; `store` remembers each image file's digest by its mtime, size and inode, so unchanged files
    are not read."""
    cache = store.folder("images")
    made: dict[str, tuple[tuple[ImageSource, ...], dict[str, Path]] | ImageFailed] = {}
    made.update(_make_missing(list(articles), config, cache, store, jobs))  # the slow part, on all cores, first
    files: dict[str, Path] = {}
    problems: list[Diagnostic] = []

    def sources(ref: ImageRef, line: int, article: Article, own_files: dict[str, Path],
                own_problems: list[Diagnostic]) -> tuple[ImageSource, ...]:
        if ref.file not in made:
            image_files: dict[str, Path] = {}
            try:
                made[ref.file] = (_variants(Path(ref.file), _site_path(ref.url, config), config, cache,
                                            image_files, store), image_files)
            except ImageFailed as exc:
                made[ref.file] = exc
        found = made[ref.file]
        if isinstance(found, ImageFailed):
            own_problems.append(warning(article.source, line, str(found), "re-export the image, or replace it"))
            return ()
        own_files.update(found[1])
        return found[0]

    updated = []
    for article in articles:
        if not (article.image and article.image.file) and not article.body_images:
            updated.append(article)
            continue
        image = article.image
        if image and image.file:
            image = replace(image, sources=sources(image, article.field_lines.get("image", 0), article, files,
                                                   problems))
        body = {item.src: replace(item.image, sources=found) for item in article.body_images
                if (found := sources(item.image, item.line, article, files, problems))}
        html_text = responsive_body(article.body.html, body, config.images.sizes)  # a failed one stays plain
        updated.append(replace(article, image=image, body=replace(article.body, html=html_text)))
    return ImageSet(tuple(updated), files, tuple(problems))


def _make_missing(articles: list[Article], config: SiteConfig, cache: Path, store: BuildCache,
                  jobs: int) -> dict[str, ImageFailed]:
    """Make the variants of these articles' images that the cache lacks, on `jobs` threads (Pillow lets go
    of the GIL while it resizes and encodes); the images that failed, by file. Files with the same bytes
    share an entry, made once."""
    refs = [ref for article in articles for ref in (article.image, *(item.image for item in article.body_images))]
    entries = {}
    for file in dict.fromkeys(ref.file for ref in refs if ref and ref.file):
        key = _cache_key(Path(file), config.images, store)
        entries[file] = cache / key[:2] / key
    todo = {entry: Path(file) for file, entry in entries.items() if _manifest(entry) is None}

    def make(entry: Path) -> ImageFailed | None:
        try:
            _make_variants(todo[entry], entry, config.images)
        except ImageFailed as exc:
            return exc
        return None

    with ThreadPoolExecutor(max(1, min(jobs, len(todo)))) as pool:
        failed = {entry: exc for entry, exc in zip(todo, pool.map(make, todo)) if exc is not None}
    return {file: failed[entry] for file, entry in entries.items() if entry in failed}


def variant_widths(width: int, wanted: tuple[int, ...]) -> tuple[int, ...]:
    """The wanted widths narrower than the image, and the image's own width in place of wider ones."""
    top = min(width, max(wanted))
    return tuple(sorted({w for w in wanted if w < top} | {top}))


def _site_path(url: str, config: SiteConfig) -> str:
    """'/news/images/x%20y.jpg' → 'images/x y.jpg'."""
    return unquote(url[len(config.base_path):]) if url.startswith(config.base_path) else unquote(url.lstrip("/"))


def _variants(file: Path, site_path: str, config: SiteConfig, cache: Path, files: dict[str, Path],
              store: BuildCache) -> tuple[ImageSource, ...]:
    """The image's sources; their files are added to `files` (output path → cached file)."""
    key = _cache_key(file, config.images, store)
    entry = cache / key[:2] / key
    manifest = _manifest(entry)
    if manifest is None:
        _make_variants(file, entry, config.images)
        manifest = _manifest(entry)
        if manifest is None:
            raise ImageFailed(f"cannot make the resized versions of '{file.name}' (the image cache is not usable)")
    folder, _, name = site_path.rsplit(".", 1)[0].rpartition("/")
    stem = f"{folder}/{name.encode()[:200].decode('utf-8', 'ignore')}".lstrip("/")  # (+ '.<key>.<width>w.webp')
    sources = []
    for mime, variants in manifest:
        urls = []
        for name, width in variants:
            output = f"{stem}.{key[:8]}.{name}"
            files[output] = entry / name
            urls.append((config.base_path + quote(output), width))
        sources.append(ImageSource(mime, tuple(urls)))
    return tuple(sources)


def _cache_key(file: Path, settings: ImagesConfig, store: BuildCache) -> str:
    remembered = memo_key("image file", "", f"{file}\0{file_state(file)}")
    found = store.get(remembered, bytes)  # (a preview server's cache has it in memory)
    if found is None:
        found = hashlib.blake2b(file.read_bytes(), digest_size=16).digest()
        store.put(remembered, found)
    shaping = repr((settings.widths, settings.formats, settings.quality)).encode()
    return hashlib.blake2b(_VERSION + found + shaping, digest_size=16).hexdigest()


def _manifest(entry: Path) -> list | None:
    """The variants that an entry of the image cache lists, or None if it holds none that can be used. The
    cache is input like any other (it can be restored from elsewhere): a manifest that is not what
    `_resize_all` writes, or that names anything but a plain file of the entry's own folder (a symlink to
    /etc/passwd, '../x'), would publish that file, so it is made again instead."""
    try:
        if entry.is_symlink():
            return None
        manifest = json.loads((entry / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, list):
        return None
    for item in manifest:
        if not (isinstance(item, list) and len(item) == 2 and item[0] in _MIME_TYPES and isinstance(item[1], list)):
            return None
        for variant in item[1]:
            if not (isinstance(variant, list) and len(variant) == 2 and isinstance(variant[0], str)
                    and _VARIANT_NAME.fullmatch(variant[0]) and type(variant[1]) is int and variant[1] > 0
                    and _plain_file(entry / variant[0])):
                return None
    return manifest


def _plain_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _make_variants(file: Path, entry: Path, settings: ImagesConfig) -> None:
    """Write every variant and the manifest into `entry`, atomically (a folder renamed into place; an entry
    there that cannot be used is replaced)."""
    from PIL import Image, ImageOps

    staging = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        discard(staging)
        staging.mkdir(parents=True)
        if _manifest(entry) is None:  # (a link, a file, a folder that cannot be used, or nothing)
            discard(entry)
        with Image.open(file) as opened:
            if opened.format not in _FORMATS or getattr(opened, "is_animated", False):
                manifest: list = []  # GIFs, animations and rarer formats are published as they are
            else:
                manifest = _resize_all(ImageOps.exif_transpose(opened), opened.format, staging, settings)
        (staging / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        try:
            staging.rename(entry)
        except OSError:  # another build made it first
            if not (entry / _MANIFEST).is_file():
                raise
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageFailed(f"cannot make the resized versions of '{file.name}' ({exc})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _resize_all(image, original: str, folder: Path, settings: ImagesConfig) -> list:
    """[(MIME type, [(file name, width)…])…], the <img>'s own format last."""
    from PIL import Image

    icc = image.info.get("icc_profile")  # colour, not metadata: kept
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    wanted = (["WEBP"] if "webp" in settings.formats else []) + ([original] if "original" in settings.formats else [])
    formats = list(dict.fromkeys(wanted))
    manifest = [(_FORMATS[f][1], []) for f in formats]
    for width in variant_widths(image.width, settings.widths):
        height = max(1, round(image.height * width / image.width))
        resized = image.copy() if width == image.width else image.resize((width, height), Image.Resampling.LANCZOS)
        resized.info = {}  # no EXIF, XMP or comments: they can hold a camera's serial number or a GPS position
        for (extension, _), (_, variants) in zip((_FORMATS[f] for f in formats), manifest):
            name = f"{width}w.{extension}"
            _save(resized, folder / name, extension, settings.quality, icc)
            variants.append((name, width))
    return manifest


def _save(image, path: Path, extension: str, quality: int, icc: bytes | None) -> None:
    options: dict = {"icc_profile": icc} if icc else {}
    if extension == "jpg":
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
        image.save(path, "JPEG", quality=quality, optimize=True, progressive=True, **options)
    elif extension == "webp":
        image.save(path, "WEBP", quality=quality, method=5, **options)
    else:
        image.save(path, "PNG", optimize=True, **options)


def picture_html(image: ImageRef, sizes: str, eager: bool = False, attributes: dict[str, str] | None = None) -> Markup:
    """`<picture>` with a `<source>` per extra format, or a plain `<img>` when there are no variants.

    `eager` for the image a reader sees first (the hero): fetched at once and first;
    every other image loads lazily."""
    own = image.sources[-1] if image.sources else None
    values = {"src": own.variants[-1][0] if own else image.url, "alt": image.alt, **(attributes or {})}
    if own:
        values.update(srcset=own.srcset, sizes=sizes)
    if image.width and image.height:
        values.update(width=str(image.width), height=str(image.height))
    values.update({"fetchpriority": "high"} if eager else {"loading": "lazy"}, decoding="async")
    img = "<img" + "".join(f' {name}="{escape(value)}"' for name, value in values.items()) + ">"
    if len(image.sources) < 2:
        return Markup(img)
    extra = "".join(f'<source type="{s.type}" srcset="{escape(s.srcset)}" sizes="{escape(sizes)}">'
                    for s in image.sources[:-1])
    return Markup(f"<picture>{extra}{img}</picture>")


def responsive_body(body_html: str, images: dict[str, ImageRef], sizes: str) -> str:
    """The body's `<img>` of local images as responsive pictures; others (remote, missing) as they were."""
    if not images:
        return body_html

    def swap(match: re.Match) -> str:
        attributes = {name.lower(): html.unescape(value or "") for name, value in _ATTRIBUTE.findall(match.group(0)[4:])}
        image = images.get(attributes.pop("src", ""))
        if image is None:
            return match.group(0)
        alt = attributes.pop("alt", "")
        for name in ("width", "height", "loading", "decoding", "srcset", "sizes"):  # picture_html sets these
            attributes.pop(name, None)
        return picture_html(replace(image, alt=alt), sizes, attributes=attributes)

    return _IMG_TAG.sub(swap, body_html)
