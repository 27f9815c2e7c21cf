"""CSS and JS: minified, named by their hash, linked through asset_url(), written only when changed."""

import re

from conftest import article, build_site, make_site
from sitegen.assets import fingerprinted, style_and_scripts
from sitegen.build import Builder
from sitegen.config import BuildOptions

CSS = "/*! Theme licence: keep me */\n/* a note for developers */\nbody {\n  color : red ;\n}\n"
JS = "// greet the reader\nfunction greet(name) {\n  return 'Hello, ' + name;\n}\n"


def published(site, pattern):
    return sorted(p.relative_to(site / "public").as_posix() for p in (site / "public").glob(pattern))


def test_css_and_js_are_minified_and_named_by_their_hash(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(), "assets/css/site.css": CSS, "assets/js/greet.js": JS,
                                "layouts/article.html": '<link href="{{ asset_url(\'css/site.css\') }}">'
                                                        '<script src="{{ asset_url(\'/js/greet.js\') }}"></script>'})
    assert build_site(site).code == 0
    [css] = published(site, "css/site*.css")
    [js] = published(site, "js/greet*.js")
    css_bytes, js_bytes = (site / "public" / css).read_bytes(), (site / "public" / js).read_bytes()
    assert css_bytes == b"/*! Theme licence: keep me */body{color:red}"
    assert js_bytes == b"function greet(name){return'Hello, '+name;}"
    assert css == fingerprinted("css/site.css", css_bytes) and re.fullmatch(r"css/site\.[0-9a-f]{8}\.css", css)
    assert (site / "public/a/index.html").read_text() == f'<link href="/{css}"><script src="/{js}"></script>'


def test_unchanged_assets_keep_their_name_and_changed_ones_get_a_new_one(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(), "assets/css/site.css": CSS})
    build_site(site)
    first = published(site, "css/site*.css")
    build_site(site)
    assert published(site, "css/site*.css") == first
    (site / "assets/css/site.css").write_text(CSS.replace("red", "blue"))
    build_site(site)
    assert published(site, "css/site*.css") != first and len(published(site, "css/site*.css")) == 1


def test_a_rebuild_writes_only_the_assets_that_changed(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(), "assets/css/extra.css": "p { color: red }"})
    builder = Builder(site, tmp_path / "out", resident=True)
    builder.build()
    assert builder.build().changed == ()
    (site / "assets/css/extra.css").write_text("p { color: blue }")
    changed = builder.build().changed
    assert [p for p in changed if p.endswith(".css")] == sorted(
        p for p in changed if p.startswith("css/extra."))  # the old name removed, the new one written
    assert len(changed) == 2  # no page links extra.css, so no page changed


def test_files_under_content_and_min_files_are_left_alone(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(), "content/graphics/chart.js": JS,
                                "assets/js/lib.min.js": "var a = 1;  // already small\n"})
    assert build_site(site).code == 0
    assert (site / "public/graphics/chart.js").read_text() == JS  # an article may link it by its plain name
    [lib] = published(site, "js/lib.min.*.js")
    assert (site / "public" / lib).read_text() == "var a = 1;  // already small\n"


def test_the_preview_keeps_plain_names(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article()})
    Builder(site, tmp_path / "out", BuildOptions(fingerprint=False), resident=True).build()
    assert (tmp_path / "out/css/site.css").is_file() and (tmp_path / "out/js/search.js").is_file()
    assert 'href="/css/site.css"' in (tmp_path / "out/a/index.html").read_text()


def test_style_and_scripts_leaves_other_files_and_unknown_names(tmp_path):
    (tmp_path / "x.css").write_bytes("a{content:'\xe9'}".encode("latin-1"))  # not UTF-8: published as it is
    (tmp_path / "logo.png").write_bytes(b"png")
    assets = style_and_scripts({"css/x.css": tmp_path / "x.css", "logo.png": tmp_path / "logo.png"}, {}, set(), True)
    assert assets.copies == {"logo.png": tmp_path / "logo.png"}
    assert list(assets.files.values()) == ["a{content:'\xe9'}".encode("latin-1")]
    assert assets.url("/news/", "logo.png") == "/news/logo.png"
    assert assets.url("/news/", "/css/x.css") == "/news/" + assets.names["css/x.css"]
