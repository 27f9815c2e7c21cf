"""Interface words of the layouts ("Home", "You may also like"), per language.

Tables ship in sitegen/i18n/<lang>.yaml; a key missing from the site's
language falls back to English, so a partial translation still builds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

STRINGS_DIR = Path(__file__).parent / "i18n"
FALLBACK_LANGUAGE = "en"


@lru_cache(maxsize=None)
def _table(language: str) -> dict[str, str | dict[str, str]]:
    path = STRINGS_DIR / f"{language}.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def strings_for(language: str) -> dict[str, str | dict[str, str]]:
    """The string table for `language` ('ca', 'en-GB' → 'en'), English filling the gaps."""
    return {**_table(FALLBACK_LANGUAGE), **_table(_base_language(language))}


def _base_language(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


class Translator:
    """The `t('key', name=value)` helper that layouts call.

    A string may have plural forms (CLDR categories: one, few, many, other…);
    the form is chosen by the `count` value.
    """

    def __init__(self, language: str):
        from babel import Locale

        self.strings = strings_for(language)
        self.own_keys = set(_table(_base_language(language)))
        self.locale = Locale.parse(language.replace("-", "_"))
        self.fallback_locale = Locale.parse(FALLBACK_LANGUAGE)

    def __call__(self, key: str, **values: object) -> str:
        text = self.strings.get(key, key)
        if isinstance(text, dict):  # plural forms, chosen by the rules of the table's own language
            locale = self.locale if key in self.own_keys else self.fallback_locale
            text = text.get(locale.plural_form(values.get("count", 0)), text.get("other", key))
        return text.format(**values) if values else text
