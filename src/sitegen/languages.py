"""The languages of a site: the `languages:` setting checked into `Language` values.

A site without `languages:` has one language (`language:`, at the root). With
it, each language has its own title, description, URL prefix and section
names; the default language (`language:`, else the first listed) is at the
root unless it is given a prefix. Problems come back as diagnostics with the
line of the offending key, like every other setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .errors import Diagnostic, did_you_mean, error, warning
from .i18n import SITE_STRINGS_DIR, base_language, missing_strings, shipped_languages
from .slugs import slugify
from .yamlfile import YamlMapping

if TYPE_CHECKING:
    from .config import SiteConfig

CONFIG_NAME = "site.yaml"
LANGUAGE_KEYS = ("name", "title", "description", "prefix", "sections")
# Site-relative folders of generated pages that a language's prefix would clash with.
_RESERVED_PREFIXES = ("tags", "authors", "search", "page")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Language:
    """One language of the site: its own title, URL prefix and section names (see `languages:`)."""

    code: str  # BCP 47: 'ca', 'en-GB'
    name: str  # as its readers write it, for the language switcher: 'Català', 'English'
    title: str
    description: str
    prefix: str  # the URL segment of its pages ('en'), '' for a language at the root
    sections: dict[str, str] = field(default_factory=dict)  # display names, by section slug

    @property
    def path(self) -> str:
        """Its site-relative home: 'en/', or '' at the root."""
        return f"{self.prefix}/" if self.prefix else ""


# The double quotation marks a language's text uses (CLDR's), for smart punctuation; a language not here gets
# English “ ”. Single quotes stay ‘ ’ everywhere: smart punctuation makes every apostrophe a closing single
# quote, and a German ‘ or a Catalan ” there would misspell every "geht's" and "l'home".
_DOUBLE_QUOTES = {
    **dict.fromkeys(("ca", "es", "it", "pt-pt", "ru", "uk", "be", "el", "nb", "nn", "no", "de-ch", "fr-ch"),
                    ("«", "»")),
    "fr": ("«\u00a0", "\u00a0»"),  # with the no-break space French typography puts inside them
    **dict.fromkeys(("de", "cs", "sk", "sl", "lt", "et", "bg", "hr", "is", "ka"), ("„", "“")),
    **dict.fromkeys(("pl", "hu", "ro"), ("„", "”")),
    **dict.fromkeys(("sv", "fi"), ("”", "”")),
    "ja": ("「", "」"),
}
ENGLISH_QUOTES = ("“", "”")


def double_quotes(code: str) -> tuple[str, str]:
    """The opening and closing double quotes of text in this language (BCP 47): 'de' → („, “)."""
    code = code.lower()
    return _DOUBLE_QUOTES.get(code) or _DOUBLE_QUOTES.get(code.split("-")[0], ENGLISH_QUOTES)


def known_language(code: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def language_name(code: str) -> str:
    """The language's name in itself, capitalised for a menu: 'ca' → 'Català'."""
    from babel import Locale

    name = Locale.parse(code.replace("-", "_")).get_display_name() or code
    return name[:1].upper() + name[1:]


def open_graph_locale(code: str) -> str:
    """Open Graph's language_TERRITORY form: 'ca' → 'ca_ES', 'en' → 'en_US' (CLDR's likely territory)."""
    from babel import Locale

    locale = Locale.parse(code.replace("-", "_"))
    if not locale.territory:
        from babel.core import get_global

        likely = get_global("likely_subtags").get(locale.language, "")
        locale = Locale.parse(likely) if likely else locale
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language


def check_languages(values: dict[str, Any], mapping: YamlMapping, problems: list[Diagnostic]) -> tuple[Language, ...]:
    """The `languages:` setting as Language values, the default language first."""
    raw: dict[Any, Any] = values["languages"]
    languages: list[Language] = []
    given: dict[str, str] = {}  # the prefixes set in site.yaml, by code
    for key, spec in raw.items():
        where = mapping.line_of(f"languages.{key}")
        code = str(key).replace("_", "-")
        if not isinstance(key, str) or not known_language(code):
            problems.append(error(CONFIG_NAME, where, f"unknown language {key!r} in 'languages'",
                                  "use a language code such as 'en', 'ca' or 'es' as the key"))
            continue
        spec = {} if spec is None else spec
        if not isinstance(spec, dict):
            problems.append(error(CONFIG_NAME, where, f"'languages.{key}' must be a mapping, not {spec!r}",
                                  f"write e.g. '{key}: {{title: My site, prefix: {code.lower()}}}', or '{key}:' alone"))
            continue
        language = _language(code, key, spec, values, mapping, problems)
        if language:
            languages.append(language)
            if isinstance(spec.get("prefix"), str):
                given[code] = spec["prefix"].strip("/")
    default = _default_language(values, languages, mapping, problems)
    if not languages:
        return ()
    default = default or languages[0]  # (already reported) so that the prefixes are checked too
    # The default language at the root, the others under their code, unless site.yaml says otherwise.
    ordered = [replace(lang, prefix=given.get(lang.code, "" if lang is default else lang.code.lower()))
               for lang in [default] + [lang for lang in languages if lang is not default]]
    _check_prefixes(ordered, raw, mapping, problems)
    return tuple(ordered)


def _language(code: str, key: str, spec: dict[Any, Any], values: dict[str, Any], mapping: YamlMapping,
              problems: list[Diagnostic]) -> Language | None:
    ok = True
    for name, value in spec.items():
        where = mapping.line_of(f"languages.{key}.{name}")
        if name not in LANGUAGE_KEYS:
            problems.append(error(CONFIG_NAME, where, f"unknown setting 'languages.{key}.{name}'",
                                  did_you_mean(str(name), LANGUAGE_KEYS) or f"use {', '.join(LANGUAGE_KEYS)}"))
            ok = False
        elif name == "sections" and not (isinstance(value, dict) and all(
                isinstance(k, str) and isinstance(v, str) and slugify(k) for k, v in value.items())):
            problems.append(error(CONFIG_NAME, where, f"'languages.{key}.sections' maps a section's folder name to "
                                  "its display name in this language", "write it like 'world: Món'"))
            ok = False
        elif name != "sections" and not isinstance(value, str):
            problems.append(error(CONFIG_NAME, where, f"'languages.{key}.{name}' must be text, not {value!r}"))
            ok = False
    prefix = spec.get("prefix")
    if isinstance(prefix, str) and prefix.strip("/") != slugify(prefix.strip("/")):
        problems.append(error(CONFIG_NAME, mapping.line_of(f"languages.{key}.prefix"),
                              f"the prefix {prefix!r} of language '{key}' is not one clean URL segment",
                              f"use lower-case letters, digits and '-', like '{code.lower()}', or '' for the root"))
        ok = False
    if not ok:
        return None
    sections = {**values.get("sections", {}), **{slugify(k): v for k, v in spec.get("sections", {}).items()}}
    return Language(code, spec.get("name") or language_name(code), spec.get("title") or values.get("title", "My news site"),
                    spec.get("description") or values.get("description", ""), "", sections)


def _default_language(values: dict[str, Any], languages: list[Language], mapping: YamlMapping,
                      problems: list[Diagnostic]) -> Language | None:
    """`language:` when set (it must be one of `languages:`), else the first one listed."""
    if not languages:
        return None
    wanted = values.get("language")
    if wanted is None:
        return languages[0]
    found = next((lang for lang in languages if lang.code.lower() == wanted.lower()), None)
    if found is None:
        codes = ", ".join(lang.code for lang in languages)
        problems.append(error(CONFIG_NAME, mapping.line_of("language"),
                              f"the default language '{wanted}' is not one of 'languages' ({codes})",
                              f"add '{wanted}' to 'languages', or set 'language' to one of: {codes}"))
    return found


def _check_prefixes(languages: list[Language], raw: dict[Any, Any], mapping: YamlMapping,
                    problems: list[Diagnostic]) -> None:
    """Each language needs a prefix of its own that no section, year or generated folder uses."""
    key_of = {str(key).replace("_", "-"): key for key in raw}
    owner: dict[str, Language] = {}
    sections = {slug for language in languages for slug in language.sections}
    for language in languages:
        key = key_of.get(language.code, language.code)
        where = mapping.line_of(f"languages.{key}.prefix", mapping.line_of(f"languages.{key}"))
        shown = f"'{language.prefix}'" if language.prefix else "'' (the root)"
        if language.prefix in owner:
            problems.append(error(CONFIG_NAME, where, f"languages '{owner[language.prefix].code}' and "
                                  f"'{language.code}' both have the URL prefix {shown}",
                                  f"give each language its own 'prefix', e.g. 'prefix: {language.code.lower()}'"))
        owner.setdefault(language.prefix, language)
        clash = ("the section" if language.prefix in sections else
                 "the folder of generated pages" if language.prefix in _RESERVED_PREFIXES else
                 "a year's archive" if _YEAR.match(language.prefix) else "")
        if clash:
            problems.append(error(CONFIG_NAME, where, f"the prefix '{language.prefix}' of language '{language.code}' "
                                  f"is also {clash} /{language.prefix}/",
                                  f"choose another prefix, e.g. '{language.code.lower()}'"))


def missing_string_warnings(config: SiteConfig) -> list[Diagnostic]:
    """One warning per language whose interface strings are not all translated, naming the keys."""
    problems = []
    for language in config.all_languages:
        missing = missing_strings(language.code, config.language, config.strings)
        if not missing:
            continue
        base = base_language(language.code)
        own_file = config.site_dir / SITE_STRINGS_DIR / f"{base}.yaml"
        path = f"{SITE_STRINGS_DIR}/{base}.yaml" if own_file.is_file() else CONFIG_NAME
        fallback = "English" if base_language(config.language) in (base, "en") else \
            f"{language_name(config.language)} (or English)"
        shipped = ", ".join(shipped_languages())
        problems.append(warning(path, 0, f"{len(missing)} interface strings have no '{language.code}' text and are "
                                f"shown in {fallback}: {', '.join(missing)}",
                                f"add them to {SITE_STRINGS_DIR}/{base}.yaml (sitegen ships {shipped}; see "
                                "sitegen help languages)"))
    return problems
