"""Responsive images: variants, their markup, the cache, and what happens to bad images."""

import io
import re

import pytest
import PIL.Image
from PIL import Image

from conftest import article, build_site, make_site, with_engine
from sitegen.imaging import variant_widths

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)

GPS_AND_CAMERA = {0x0110: "Secret Camera X100", 0x8825: {2: ((41, 1), (23, 1), (0, 1))}}


def jpeg(width: int, height: int, orientation: int = 1, comment: bytes = b"") -> bytes:
    image = Image.new("RGB", (width, height), (200, 40, 40))
    image.paste((20, 20, 200), (0, 0, width // 2, height // 4))  # a mark that shows which way is up
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x0110] = "Secret Camera X100"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=comment, quality=90)
    return out.getvalue()


def png_with_alpha(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 0, 100)).save(out, "PNG")
    return out.getvalue()


def read(site, path: str) -> str:
    return (site / "public" / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("width, widths", [(1200, (480, 960, 1200)), (3000, (480, 960, 1600)), (300, (300,)),
                                           (960, (480, 960))])
def test_variant_widths_never_upscale(width, widths):
    assert variant_widths(width, (480, 960, 1600)) == widths


@pytest.fixture
def photo_site(tmp_path):
    return make_site(tmp_path, {
        "assets/images/hero.jpg": jpeg(2000, 1000, comment=b"shot at home"),
        "content/world/story.md": article(
            "Story", image="/images/hero.jpg", image_alt="A red field",
            body="Intro.\n\n![A tall one](tall.jpg \"Upright\")\n\n![Far away](https://cdn.example.com/x.jpg)\n"),
        "content/world/tall.jpg": jpeg(1200, 800, orientation=6),  # stored sideways, shown upright
    })


def test_variants_are_resized_webp_and_jpeg_never_upscaled(photo_site):
    assert build_site(photo_site).code == 0
    made = sorted(p.name for p in (photo_site / "public/images").iterdir())
    assert [re.sub(r"\.[0-9a-f]{8}\.", ".#.", name) for name in made] == [
        "hero.#.1600w.jpg", "hero.#.1600w.webp", "hero.#.480w.jpg", "hero.#.480w.webp", "hero.#.960w.jpg",
        "hero.#.960w.webp", "hero.jpg"]
    for name in made:
        with Image.open(photo_site / "public/images" / name) as image:
            expected = 2000 if name == "hero.jpg" else int(name.split(".")[-2].rstrip("w"))
            assert image.size == (expected, expected // 2)
            assert image.format == ("WEBP" if name.endswith(".webp") else "JPEG")


def test_exif_orientation_is_honoured_and_metadata_stripped(photo_site):
    assert build_site(photo_site).code == 0
    tall = sorted((photo_site / "public/world").glob("tall.*.webp")) + sorted((photo_site / "public/world").glob("tall.*.jpg"))
    assert [p.name.split(".")[-2] for p in tall] == ["480w", "800w", "480w", "800w"]  # 800 wide once upright
    for path in tall:
        with Image.open(path) as image:
            assert image.width == int(path.name.split(".")[-2].rstrip("w")) and image.height > image.width
            assert dict(image.getexif()) == {} and "comment" not in image.info and "exif" not in image.info
            top, bottom = image.convert("RGB").getpixel((image.width - 2, 2)), image.convert("RGB").getpixel((2, 2))
            assert top[2] > 150 and bottom[0] > 150  # the blue mark is now on the right-hand edge, at the top
    for path in (photo_site / "public/images").glob("hero.*w.jpg"):
        with Image.open(path) as image:
            assert "comment" not in image.info and dict(image.getexif()) == {}


def test_pages_get_srcset_sizes_and_dimensions(photo_site):
    assert build_site(photo_site).code == 0
    page = read(photo_site, "world/story/index.html")
    hero = page[page.index('<figure class="hero">'):page.index("</figure>")]
    assert re.search(r'<source type="image/webp" srcset="/images/hero\.[0-9a-f]{8}\.480w\.webp 480w, '
                     r'/images/hero\.[0-9a-f]{8}\.960w\.webp 960w, /images/hero\.[0-9a-f]{8}\.1600w\.webp 1600w" '
                     r'sizes="\(min-width: 44rem\) 42rem, 100vw">', hero)
    assert 'width="2000" height="1000" fetchpriority="high"' in hero and 'loading="lazy"' not in hero
    body = page[page.index('<div class="article-body">'):]
    tall = re.search(r"<picture>.*?</picture>", body).group(0)
    assert 'alt="A tall one"' in tall and 'title="Upright"' in tall and 'loading="lazy"' in tall
    assert 'width="800" height="1200"' in tall and re.search(r'src="/world/tall\.[0-9a-f]{8}\.800w\.jpg"', tall)
    assert '<img alt="Far away" src="https://cdn.example.com/x.jpg">' in body  # remote images are left alone
    assert '<meta property="og:image" content="https://news.example.com/images/hero.jpg">' in page
    assert 'url="https://news.example.com/images/hero.jpg"' in read(photo_site, "atom.xml")


def test_a_second_build_reuses_the_cached_variants(photo_site, monkeypatch):
    assert build_site(photo_site).code == 0
    cached = {p: p.stat().st_mtime_ns for p in (photo_site / ".sitegen-cache/images").rglob("*.*")}
    assert len(cached) == (6 + 1) + (4 + 1)  # each image: its variants and a manifest

    def no_work(*args, **kwargs):
        raise AssertionError("an image was processed again")

    monkeypatch.setattr(PIL.Image, "open", no_work)  # (the variants are made with Pillow)
    assert build_site(photo_site).code == 0
    assert {p: p.stat().st_mtime_ns for p in (photo_site / ".sitegen-cache/images").rglob("*.*")} == cached


def test_changed_settings_make_new_variants(photo_site):
    assert build_site(photo_site).code == 0
    (photo_site / "site.yaml").write_text(with_engine("base_url: /\nimages:\n  widths: [320]\n  formats: [original]\n"))
    assert build_site(photo_site).code == 0
    assert sorted(p.name.split(".")[-2] for p in (photo_site / "public/images").glob("hero.*.*")) == ["320w"]
    hero = read(photo_site, "world/story/index.html")
    assert "<picture>" not in hero and re.search(r'<img src="/images/hero\.[0-9a-f]{8}\.320w\.jpg" alt="A red field" '
                                                 r'srcset="/images/hero\.[0-9a-f]{8}\.320w\.jpg 320w"', hero)


def test_png_keeps_its_transparency_in_both_formats(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(body="![Logo](logo.png)"), "content/logo.png": png_with_alpha(600, 300)})
    assert build_site(site).code == 0
    made = sorted(p.name.split(".", 2)[2] for p in (site / "public").glob("logo.*.*"))
    assert made == ["480w.png", "480w.webp", "600w.png", "600w.webp"]
    with Image.open(next((site / "public").glob("logo.*.480w.webp"))) as image:
        assert image.mode == "RGBA"


@pytest.mark.parametrize("files, message", [
    ({}, "content/world/story.md:8: warning: image 'gone.jpg' not found"),
    ({"content/world/gone.jpg": b"not an image"},
     "content/world/story.md:8: warning: cannot read image 'gone.jpg' (not an image file, or damaged)"),
    ({"content/world/gone.jpg": jpeg(900, 600)[:700]},
     "content/world/story.md:8: warning: cannot make the resized versions of 'gone.jpg'"),
])
def test_a_missing_or_broken_image_is_a_warning_at_its_line_and_keeps_the_plain_reference(tmp_path, files, message):
    site = make_site(tmp_path, {"content/world/story.md": article("Story", body="First.\n\n![Lost](gone.jpg)"), **files})
    run = build_site(site)
    assert run.code == 0 and message in run.err, run.err
    assert '<img alt="Lost" src="gone.jpg">' in read(site, "world/story/index.html")
    strict = build_site(site, "--strict")
    assert strict.code == 1 and message.replace("warning", "error") in strict.err


def test_a_broken_hero_is_reported_at_the_image_line(tmp_path):
    site = make_site(tmp_path, {"content/story.md": article(image="/images/x.jpg", image_alt="X"),
                                "assets/images/x.jpg": jpeg(900, 600)[:700]})
    run = build_site(site)
    assert "content/story.md:4: warning: cannot make the resized versions of 'x.jpg'" in run.err
    assert '<img src="/images/x.jpg" alt="X" width="900" height="600" fetchpriority="high"' in read(site, "story/index.html")


def test_variants_made_on_several_threads_are_those_made_on_one(tmp_path):
    """Images are resized on -j threads; two files with the same bytes share one cache entry, made once."""
    files = {f"content/world/s{n}.md": article(f"S{n}", image=f"/images/p{n}.jpg", image_alt="P",
                                               body=f"Text.\n\n![Inline](i{n}.jpg)") for n in range(4)}
    files.update({f"assets/images/p{n}.jpg": jpeg(1000 + 100 * n, 700) for n in range(4)})
    files.update({f"content/world/i{n}.jpg": jpeg(1000, 600) for n in range(3)})  # three copies of one image
    files["content/world/i3.jpg"] = jpeg(900, 600)[:700]  # broken
    sites = [make_site(tmp_path / f"j{jobs}", files) for jobs in (1, 2)]
    runs = [build_site(site, "-j", str(jobs)) for jobs, site in enumerate(sites, 1)]
    assert [run.code for run in runs] == [0, 0] and runs[0].err == runs[1].err
    assert "content/world/s3.md:10: warning: cannot make the resized versions of 'i3.jpg'" in runs[1].err
    outputs = [{p.relative_to(site / "public"): p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
               for site in sites]
    assert outputs[0] == outputs[1]
    assert len(list((sites[1] / ".sitegen-cache/images").glob("*/*/variants.json"))) == 4 + 1


@pytest.mark.parametrize("setting, message", [
    ("widths: []", "'images.widths' must list image widths in pixels (16 to 10000), not []"),
    ("widths: [480, big]", "'images.widths' must list image widths in pixels (16 to 10000), not [480, 'big']"),
    ("formats: [avif]", "'images.formats' must list some of webp, original, not ['avif']"),
    ("quality: 0", "'images.quality' must be between 1 and 100"),
    ("widths: 480", "'images.widths' must be a list, not int 480"),
])
def test_image_settings_are_checked(tmp_path, setting, message):
    site = make_site(tmp_path, {"site.yaml": f"images:\n  {setting}\n", "content/a.md": article()})
    run = build_site(site)
    assert run.code == 1 and f"site.yaml:2: error: {message}" in run.err, run.err
