"""Interface words of the layouts ("Home", "You may also like") and numbers, per language.

Tables ship in sitegen/i18n/<lang>.yaml; a site adds or replaces strings in
its own i18n/<lang>.yaml. A key missing from a language falls back to the
site's default language, then to English, so a partial translation still
builds; `missing_strings` says what fell back, for the build's warning.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import Diagnostic, error
from .yamlfile import YamlProblem, load_mapping

STRINGS_DIR = Path(__file__).parent / "i18n"
SITE_STRINGS_DIR = "i18n"  # in the site folder: i18n/ca.yaml adds to or replaces the theme's Catalan strings
FALLBACK_LANGUAGE = "en"
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")  # CLDR plural categories

Table = dict[str, Any]  # key → text, or plural category → text


@lru_cache(maxsize=None)
def _shipped(language: str) -> Table:
    path = STRINGS_DIR / f"{language}.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def shipped_languages() -> list[str]:
    """The languages the theme's string tables cover: ['ca', 'de', 'en', 'es', 'fr']."""
    return sorted(path.stem for path in STRINGS_DIR.glob("*.yaml"))


def base_language(language: str) -> str:
    """The table a language code reads: 'ca-ES' → 'ca', 'pt_BR' → 'pt'."""
    return language.replace("_", "-").split("-")[0].lower()


def load_site_strings(site_dir: Path) -> tuple[dict[str, Table], list[Diagnostic]]:
    """The site's own tables (i18n/<lang>.yaml), by language; each bad entry reported at its line."""
    folder = site_dir / SITE_STRINGS_DIR
    tables: dict[str, Table] = {}
    problems: list[Diagnostic] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        source = f"{SITE_STRINGS_DIR}/{path.name}"
        try:
            mapping = load_mapping(path.read_bytes().decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            problems.append(error(source, 1, f"the file is not UTF-8 text ({exc.reason})", "save the file as UTF-8"))
            continue
        except YamlProblem as exc:
            problems.append(error(source, exc.line, exc.message,
                                  exc.hint or "write one 'key: text' per line, quoting text that contains ': '"))
            continue
        table = {}
        for key, value in mapping.data.items():
            if isinstance(value, str) or (isinstance(value, dict) and value and set(value) <= set(PLURAL_FORMS)
                                          and all(isinstance(v, str) for v in value.values())):
                table[key] = value
            else:
                problems.append(error(source, mapping.line_of(key), f"the string '{key}' must be text or plural "
                                      f"forms, not {value!r}",
                                      "write 'key: text', or 'key:' with lines 'one: …' and 'other: …' under it"))
        tables[base_language(path.stem)] = table
    return tables, problems


def _layers(language: str, default_language: str, site_strings: dict[str, Table]) -> list[tuple[str, Table]]:
    """(language, table) from the weakest to the strongest: English, the default language, the language."""
    chain = [FALLBACK_LANGUAGE, base_language(default_language), base_language(language)]
    chain = [code for number, code in enumerate(chain) if code not in chain[number + 1:]]  # the last one counts
    return [(code, table) for code in chain for table in (_shipped(code), site_strings.get(code, {}))]


def missing_strings(language: str, default_language: str, site_strings: dict[str, Table]) -> list[str]:
    """The keys that `language` takes from another language, in key order."""
    own = {key for code, table in _layers(language, default_language, site_strings)
           if code == base_language(language) for key in table}
    every = {key for _, table in _layers(language, default_language, site_strings) for key in table}
    return sorted(every - own)


class Translator:
    """The `t('key', name=value)` helper that layouts call, for one language.

    A string may have plural forms (CLDR categories: one, few, many, other…);
    the form is chosen by the `count` value, by the rules of the language the
    string comes from. Whole numbers are written as the language writes them
    ('1,234' in English, '1.234' in Catalan).
    """

    def __init__(self, language: str, default_language: str = FALLBACK_LANGUAGE,
                 site_strings: dict[str, Table] | None = None):
        from babel import Locale

        self.language = language
        self.locale = Locale.parse(language.replace("-", "_"))
        self.strings: Table = {}
        self.source: dict[str, str] = {}  # key → the language its text comes from
        for code, table in _layers(language, default_language, site_strings or {}):
            self.strings.update(table)
            self.source.update(dict.fromkeys(table, code))
        self._locales = {code: Locale.parse(code) for code in set(self.source.values())}
        self._numbers: dict[int, str] = {}

    def __call__(self, key: str, **values: object) -> str:
        text = self.strings.get(key, key)
        if isinstance(text, dict):
            locale = self._locales[self.source[key]]
            text = text.get(locale.plural_form(values.get("count", 0)), text.get("other", key))
        if not values:
            return text
        return text.format(**{name: self.number(value) if isinstance(value, int) and not isinstance(value, bool)
                              else value for name, value in values.items()})

    def number(self, value: float) -> str:
        from babel.numbers import format_decimal

        if type(value) is not int:  # (remembered for whole numbers alone: not 1.0 for 1, -0.0 for 0)
            return format_decimal(value, locale=self.locale)
        written = self._numbers.get(value)
        if written is None:  # (Babel takes 50 µs a number; a site's pages write the same few counts many times)
            written = self._numbers[value] = format_decimal(value, locale=self.locale)
        return written
