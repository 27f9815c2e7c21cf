"""Interface strings, numbers, dates and slugs in each language."""

from datetime import date, datetime, timezone

import pytest
import yaml

from sitegen.dates import format_day, format_month
from sitegen.i18n import STRINGS_DIR, Translator, load_site_strings, missing_strings, shipped_languages
from sitegen.slugs import slugify

from conftest import article, build_site, make_site


def test_the_theme_ships_every_string_in_five_languages():
    assert shipped_languages() == ["ca", "de", "en", "es", "fr"]
    english = set(yaml.safe_load((STRINGS_DIR / "en.yaml").read_text(encoding="utf-8")))
    for language in shipped_languages():
        assert missing_strings(language, "en", {}) == [], language
        assert set(yaml.safe_load((STRINGS_DIR / f"{language}.yaml").read_text(encoding="utf-8"))) == english


@pytest.mark.parametrize("language, minutes, text", [
    ("en", 4, "4 min read"), ("ca", 4, "4 min de lectura"), ("es", 1, "1 min de lectura"),
    ("fr", 4, "4 min de lecture"), ("de", 1, "1 Minute Lesezeit"), ("de", 4, "4 Minuten Lesezeit"),
])
def test_reading_time_with_plural_forms(language, minutes, text):
    assert Translator(language)("min_read", count=minutes) == text


def test_numbers_are_written_as_the_language_writes_them():
    assert Translator("en")("articles_count", count=1234) == "1,234 articles"
    assert Translator("ca")("articles_count", count=1234) == "1.234 articles"
    assert Translator("ca")("articles_count", count=1) == "1 article"


def test_a_missing_string_falls_back_to_the_default_language_then_english():
    site_strings = {"ca": {"home": "Portada", "only_catalan": "Només en català"}, "pt": {"home": "Início"}}
    portuguese = Translator("pt", "ca", site_strings)
    assert portuguese("home") == "Início"  # its own
    assert portuguese("you_may_also_like") == "També et pot interessar"  # the default language's
    assert portuguese("only_catalan") == "Només en català"
    assert Translator("en", "ca", site_strings)("home") == "Home"  # English keeps its own, not the default's
    assert Translator("ca", "en", site_strings)("home") == "Portada"  # the site replaces the theme's string
    assert "only_catalan" in missing_strings("en", "ca", site_strings)


def test_site_strings_are_read_and_checked(tmp_path):
    (tmp_path / "i18n").mkdir()
    (tmp_path / "i18n/ca.yaml").write_text("home: Portada\nbad: [1, 2]\nplural:\n  one: u\n  other: molts\n",
                                           encoding="utf-8")
    (tmp_path / "i18n/de.yaml").write_text("home: [unclosed\n", encoding="utf-8")
    tables, problems = load_site_strings(tmp_path)
    assert tables == {"ca": {"home": "Portada", "plural": {"one": "u", "other": "molts"}}}
    assert problems[0].format().startswith(
        "i18n/ca.yaml:2: error: the string 'bad' must be text or plural forms, not [1, 2]")
    assert problems[1].format().startswith("i18n/de.yaml:2: error: invalid YAML")


def test_one_warning_lists_the_strings_a_language_lacks(tmp_path):
    site = make_site(tmp_path, {"site.yaml": "title: T\nbase_url: https://x.example/\nlanguage: pt\n",
                                "i18n/pt.yaml": "home: Início\n", "content/a.md": article()})
    run = build_site(site)
    assert run.code == 0
    warning = next(line for line in run.err.splitlines() if "interface strings" in line)
    count = len(yaml.safe_load((STRINGS_DIR / "en.yaml").read_text(encoding="utf-8"))) - 1
    assert warning.startswith(f"i18n/pt.yaml: warning: {count} interface strings have no 'pt' text and are shown "
                              "in English: all_authors, all_tags,")
    assert "home" not in warning.split(":", 3)[3].split(", ")
    assert "<a href=\"/\">Início</a>" in (site / "public/a/index.html").read_text(encoding="utf-8")


def test_site_strings_override_the_theme_in_pages(tmp_path):
    site = make_site(tmp_path, {"site.yaml": "title: T\nbase_url: https://x.example/\nlanguage: ca\n",
                                "i18n/ca.yaml": "you_may_also_like: Més notícies\n",
                                "content/m/a.md": article(tags="[X]"), "content/m/b.md": article("B", tags="[X]")})
    run = build_site(site)
    assert run.code == 0 and "0 warnings" in run.out
    assert "Més notícies" in (site / "public/m/a/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("language, text", [
    ("ca", "21 de juny de 2024"), ("en", "June 21, 2024"), ("en-GB", "21 June 2024"), ("es", "21 de junio de 2024"),
    ("fr", "21 juin 2024"), ("de", "21. Juni 2024"),
])
def test_long_dates_per_language(language, text):
    assert format_day(datetime(2024, 6, 21, 9, 30, tzinfo=timezone.utc), language) == text


def test_catalan_months_keep_their_elision():
    assert format_day(date(2024, 4, 3), "ca") == "3 d’abril de 2024"
    assert format_month(date(2024, 6, 1), "ca") == "juny 2024"


@pytest.mark.parametrize("text, language, slug", [
    ("Col·legi d'advocats", "ca", "collegi-dadvocats"),
    ("Col.legi electoral", "ca", "collegi-electoral"),
    ("Col.legi electoral", "", "col-legi-electoral"),  # without Catalan, a full stop separates words
    ("Straße über Brücken", "de", "strasse-ueber-bruecken"),
    ("Straße über Brücken", "", "strasse-uber-brucken"),
    ("Œuvre d’art et ex æquo", "fr", "oeuvre-dart-et-ex-aequo"),
    ("Niño y año", "es", "nino-y-ano"),
    ("Notícies d'avui", "", "noticies-davui"),
])
def test_slugs_transliterate_for_each_language(text, language, slug):
    assert slugify(text, language) == slug


def test_numbers_are_written_as_each_value_asks_whatever_came_before():
    catalan = Translator("ca")
    assert [catalan.number(value) for value in (1234, 1234.0, 0, -0.0, 1234)] == ["1.234", "1.234", "0", "-0", "1.234"]
