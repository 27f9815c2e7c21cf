"""Multilingual sites: `languages:`, an article's language, translations, and every output per language."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from sitegen.config import load_config
from sitegen.errors import SiteError

from conftest import article, build_site, make_site

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)

BILINGUAL = """title: El Diari
base_url: https://news.example.com/
timezone: UTC
language: ca
sections:
  world: World
languages:
  ca:
    title: El Diari
    description: Notícies d'aquí i d'allà
    sections: {world: Món}
  en:
    title: The Daily
    description: News from here and there
"""
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def read(site, path: str) -> str:
    return (site / "public" / path).read_text(encoding="utf-8")


@pytest.fixture
def bilingual(tmp_path):
    """Catalan at the root, English under /en/: one story in both, one only in each, and a page in both."""
    site = make_site(tmp_path, {
        "site.yaml": BILINGUAL,
        "content/world/pact.md": article("Pacte de defensa", "2024-06-21", tags="[Rússia, Diplomàcia]",
                                         body="Putin i Kim han signat un pacte de defensa mutu a Pyongyang."),
        "content/world/pact.en.md": article("Defence pact", "2024-06-21", tags="[Russia, Diplomacy]",
                                            body="Putin and Kim signed a mutual defence pact in Pyongyang."),
        "content/world/visita.md": article("Visita al Vietnam", "2024-06-20", tags="[Rússia, Vietnam]",
                                           body="Putin ha visitat el Vietnam després del pacte amb Pyongyang."),
        "content/world/gas.md": article("Gas prices fall", "2024-06-19", lang="en", tags="[Russia, Energy]",
                                        body="Gas prices fell after Russia and Pyongyang signed the defence pact."),
        "content/pages/about.md": "---\ntitle: Qui som\n---\n\nQui som.\n",
        "content/pages/about.en.md": "---\ntitle: About us\n---\n\nWho we are.\n",
    })
    run = build_site(site)
    assert run.code == 0, run.err
    assert "0 warnings" in run.out, run.out
    return site


def test_each_language_has_its_own_urls(bilingual):
    public = bilingual / "public"
    for path in ("world/pact/", "world/visita/", "about/", "en/world/pact/", "en/world/gas/", "en/about/",
                 "", "en/", "world/", "en/world/", "tags/russia/", "en/tags/russia/", "en/tags/", "en/authors/"
                 if (public / "en/authors").exists() else "en/tags/", "en/search/", "2024/06/", "en/2024/06/"):
        assert (public / path / "index.html").is_file(), path
    assert not (public / "en/world/visita").exists() and not (public / "world/gas").exists()
    assert (public / "404.html").is_file() and (public / "en/404.html").is_file()


def test_listings_show_only_their_language(bilingual):
    home, english_home = read(bilingual, "index.html"), read(bilingual, "en/index.html")
    assert "Pacte de defensa" in home and "Visita al Vietnam" in home and "Gas prices fall" not in home
    assert "Defence pact" in english_home and "Gas prices fall" in english_home and "Visita" not in english_home
    assert '<html lang="ca">' in home and '<html lang="en">' in english_home
    assert "<title>El Diari</title>" in home and "<title>The Daily</title>" in english_home
    world = read(bilingual, "world/index.html")
    assert "<h1>Món</h1>" in world and "2 articles" in world
    assert "<h1>World</h1>" in read(bilingual, "en/world/index.html")


def test_interface_strings_and_dates_follow_the_page_language(bilingual):
    catalan, english = read(bilingual, "world/pact/index.html"), read(bilingual, "en/world/pact/index.html")
    assert "21 de juny de 2024" in catalan and "1 min de lectura" in catalan and '<a href="/">Inici</a>' in catalan
    assert "June 21, 2024" in english and "1 min read" in english and '<a href="/en/">Home</a>' in english
    assert '<a href="/en/world/">World</a>' in english and '<a href="/world/">Món</a>' in catalan


def test_hreflang_alternates_and_open_graph_locales(bilingual):
    catalan = read(bilingual, "world/pact/index.html")
    assert re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', catalan) == [
        ("ca", "https://news.example.com/world/pact/"), ("en", "https://news.example.com/en/world/pact/"),
        ("x-default", "https://news.example.com/world/pact/")]
    assert '<meta property="og:locale" content="ca_ES">' in catalan
    assert '<meta property="og:locale:alternate" content="en_US">' in catalan
    assert "hreflang" not in read(bilingual, "world/visita/index.html").split("</head>")[0]  # no translation
    home = read(bilingual, "en/index.html")
    assert '<link rel="alternate" hreflang="ca" href="https://news.example.com/">' in home


def test_the_switcher_goes_to_the_translation_else_to_that_language_home(bilingual):
    def switcher(path):
        html = read(bilingual, path)
        nav = html[html.index('<nav class="language-switcher"'):]
        return re.findall(r'<a href="([^"]+)" hreflang="([^"]+)" lang="([^"]+)"', nav[:nav.index("</nav>")])

    assert switcher("world/pact/index.html") == [("/en/world/pact/", "en", "en")]
    assert switcher("en/world/pact/index.html") == [("/world/pact/", "ca", "ca")]
    assert switcher("world/visita/index.html") == [("/en/", "en", "en")]
    assert switcher("en/world/gas/index.html") == [("/", "ca", "ca")]
    assert switcher("world/index.html") == [("/en/world/", "en", "en")]
    assert switcher("en/about/index.html") == [("/about/", "ca", "ca")]
    assert '<span lang="ca" aria-current="true">Català</span>' in read(bilingual, "world/pact/index.html")


def test_feeds_and_search_per_language(bilingual):
    atom = ET.fromstring((bilingual / "public/en/atom.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert [e.findtext("a:title", namespaces=ns) for e in atom.findall("a:entry", ns)] == ["Defence pact",
                                                                                          "Gas prices fall"]
    rss = ET.fromstring((bilingual / "public/rss.xml").read_bytes())
    assert rss.findtext("channel/language") == "ca" and rss.findtext("channel/title") == "El Diari"
    assert [i.findtext("title") for i in rss.findall("channel/item")] == ["Pacte de defensa", "Visita al Vietnam"]
    assert json.loads(read(bilingual, "en/feed.json"))["home_page_url"] == "https://news.example.com/en/"
    assert (bilingual / "public/en/world/atom.xml").is_file() and (bilingual / "public/en/tags/russia/atom.xml").is_file()
    english = json.loads(read(bilingual, "en/search-index.json"))
    assert [r["url"] for r in english] == ["/en/world/pact/", "/en/world/gas/", "/en/about/"]
    assert 'data-index="/en/search-index.json"' in read(bilingual, "en/search/index.html")
    assert len(json.loads(read(bilingual, "search-index.json"))) == 3


def test_one_sitemap_with_hreflang_alternates(bilingual):
    urlset = ET.fromstring((bilingual / "public/sitemap.xml").read_bytes())
    alternates = {url.findtext("s:loc", namespaces=SITEMAP_NS): [
        (link.get("hreflang"), link.get("href")) for link in url.findall("x:link", SITEMAP_NS)]
        for url in urlset.findall("s:url", SITEMAP_NS)}
    origin = "https://news.example.com/"
    assert alternates[origin + "en/world/pact/"] == [("ca", origin + "world/pact/"), ("en", origin + "en/world/pact/"),
                                                     ("x-default", origin + "world/pact/")]
    assert alternates[origin + "en/"][:2] == [("ca", origin), ("en", origin + "en/")]
    assert alternates[origin + "world/visita/"] == [] and origin + "en/world/gas/" in alternates
    assert origin + "en/search/" in alternates and origin + "404.html" not in alternates


def test_related_posts_stay_within_the_language(bilingual):
    catalan = read(bilingual, "world/pact/index.html")
    related = catalan[catalan.index('<section class="related"'):]
    assert "/world/visita/" in related and "/en/" not in related.split("</section>")[0]
    english = read(bilingual, "en/world/pact/index.html")
    related = english[english.index('<section class="related"'):].split("</section>")[0]
    assert "/en/world/gas/" in related and "/world/visita/" not in related


def test_default_language_in_a_subfolder_gets_a_redirect_at_the_root(tmp_path):
    site = make_site(tmp_path, {"site.yaml": BILINGUAL.replace("    sections: {world: Món}", "    prefix: ca"),
                                "content/world/pact.md": article("Pacte"), "content/world/pact.en.md": article("Pact")})
    assert build_site(site).code == 0
    assert (site / "public/ca/world/pact/index.html").is_file() and (site / "public/en/world/pact/index.html").is_file()
    root = read(site, "index.html")
    assert 'http-equiv="refresh" content="0; url=/ca/"' in root and '<html lang="ca">' in root
    assert (site / "public/404.html").is_file() and not (site / "public/ca/404.html").exists()


def test_translation_key_links_articles_with_different_paths(tmp_path):
    site = make_site(tmp_path, {"site.yaml": BILINGUAL,
                                "content/world/pacte.md": article("Pacte", translation_key="pact-2024"),
                                "content/world/pact.md": article("Pact", lang="en", translation_key="pact-2024")})
    assert build_site(site).code == 0
    assert '<a href="/en/world/pact/" hreflang="en" lang="en" rel="alternate">' in read(site, "world/pacte/index.html")


def test_a_single_language_site_has_no_switcher_and_no_alternates(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("A"), "content/world/a.en.md": article("B")})
    assert build_site(site).code == 0
    html = read(site, "world/a/index.html")
    assert "language-switcher" not in html and "hreflang" not in html
    assert (site / "public/world/a-en/index.html").is_file()  # the suffix is no language here: slugs stay


def test_article_language_errors(tmp_path):
    site = make_site(tmp_path, {
        "site.yaml": BILINGUAL,
        "content/world/a.md": article("A", lang="fr"),
        "content/world/b.en.md": article("B", lang="ca"),
        "content/world/c.md": article("C", translation_key="k"),
        "content/world/d.md": article("D", translation_key="k"),
        "content/world/e.de.md": article("E"),
    })
    run = build_site(site)
    assert run.code == 1
    assert "content/world/a.md:4: error: unknown language 'fr': this site is in ca, en\n" \
           "  hint: use one of them, or add 'fr' under 'languages:' in site.yaml" in run.err
    assert "content/world/b.en.md:4: error: 'lang: ca' and the file name's '.en' say different languages" in run.err
    assert "content/world/d.md:4: error: content/world/c.md is already the 'ca' version of 'k'" in run.err
    assert "content/world/e.de.md:1: warning: the file name ends in '.de', which is not one of this site's " \
           "languages (ca, en)" in run.err


@pytest.mark.parametrize("languages, message", [
    ("  xx: {title: X}\n", "site.yaml:8: error: unknown language 'xx' in 'languages'"),
    ("  en: {prefix: world}\n", "site.yaml:8: error: the prefix 'world' of language 'en' is also the section /world/"),
    ("  en: {prefix: tags}\n", "site.yaml:8: error: the prefix 'tags' of language 'en' is also the folder of "
                               "generated pages /tags/"),
    ("  en: {prefix: ''}\n", "site.yaml:8: error: languages 'ca' and 'en' both have the URL prefix '' (the root)"),
    ("  en: {prefix: 'EN/x'}\n", "site.yaml:8: error: the prefix 'EN/x' of language 'en' is not one clean URL segment"),
    ("  en: {titel: X}\n", "site.yaml:8: error: unknown setting 'languages.en.titel'\n  hint: did you mean 'title'?"),
    ("  en: [x]\n", "site.yaml:8: error: 'languages.en' must be a mapping"),
])
def test_bad_languages_are_reported_at_their_line(tmp_path, languages, message):
    (tmp_path / "site.yaml").write_text("title: T\nlanguage: ca\nsections:\n  world: World\nlanguages:\n  ca:\n"
                                        "    title: El Diari\n" + languages, encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        load_config(tmp_path)
    assert any(d.format().startswith(message) for d in caught.value.diagnostics), caught.value


def test_the_default_language_must_be_one_of_the_languages(tmp_path):
    (tmp_path / "site.yaml").write_text("language: fr\nlanguages:\n  ca:\n  en:\n", encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        load_config(tmp_path)
    assert caught.value.diagnostics[0].format() == (
        "site.yaml:1: error: the default language 'fr' is not one of 'languages' (ca, en)\n"
        "  hint: add 'fr' to 'languages', or set 'language' to one of: ca, en")


def test_languages_without_language_make_the_first_the_default(tmp_path):
    (tmp_path / "site.yaml").write_text("title: T\nlanguages:\n  es:\n  en: {prefix: english}\n", encoding="utf-8")
    config = load_config(tmp_path)
    assert config.language == "es"
    assert [(lang.code, lang.prefix, lang.title, lang.name) for lang in config.all_languages] == [
        ("es", "", "T", "Español"), ("en", "english", "T", "English")]


def test_hand_picked_related_names_are_looked_up_in_the_article_language(tmp_path):
    site = make_site(tmp_path, {"site.yaml": BILINGUAL,
                                "content/world/a.md": article("A", related="[world/b]"),
                                "content/world/b.md": article("B", "2024-06-20"),
                                "content/world/a.en.md": article("A", related="[world/b]"),
                                "content/world/b.en.md": article("B", "2024-06-20")})
    run = build_site(site)
    assert run.code == 0 and "0 warnings" in run.out, run.err
    english = read(site, "en/world/a/index.html")
    assert 'href="/en/world/b/"' in english[english.index('<section class="related"'):]
