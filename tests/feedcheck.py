"""Checkers of machine-read outputs against their specifications: Atom (RELAX NG from RFC 4287 and the
rules it states in prose), RSS 2.0, JSON Feed 1.1 (a JSON Schema), sitemaps and the HTML head of article
pages. Each returns a list of problems, so a failure names every violation at once. A helper module of
the tests (test_feed_validation.py checks the checkers and the built sites; test_outputs.py the model's
outputs), not a test file.
"""

from __future__ import annotations

import email.utils
import json
import re
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import jsonschema
from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The extension namespaces RSS may use, by their conventional prefix.
RSS_NAMESPACES = {"atom": ATOM_NS, "dc": "http://purl.org/dc/elements/1.1/",
                  "content": "http://purl.org/rss/1.0/modules/content/", "media": "http://search.yahoo.com/mrss/"}
A = {"a": ATOM_NS}

# RFC 3339 date-time; RFC 4287 §3.3 also wants an upper-case T and Z.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# W3C Datetime (sitemaps.org lastmod): YYYY, YYYY-MM, YYYY-MM-DD or a full time with a zone designator.
W3C_DATETIME = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$")
# RFC 822 date-time as RSS 2.0 uses it (four-digit year, numeric zone).
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$")
# Characters XML 1.0 cannot carry at all: sitegen drops them from XML output.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# RFC 3986 characters; anything else in a URI must be percent-encoded.
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# RFC 3987 §4.1: bidi formatting characters must not appear in an IRI.
BIDI_FORMATTING = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e")
# BCP 47 language tag, simplified: a 2-8 letter primary subtag, then subtags of 1-8 letters or digits.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


# ============================================================================ Atom: RFC 4287 Appendix B as RELAX NG
# A one-to-one translation of the RFC's (informative) compact schema to the XML syntax; the Schematron
# rules it carries as annotations are checked in Python by atom_problems().
ATOM_RNG = """\
<grammar xmlns="http://relaxng.org/ns/structure/1.0" ns="http://www.w3.org/2005/Atom"
         datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><choice><ref name="atomFeed"/><ref name="atomEntry"/></choice></start>

  <define name="atomCommonAttributes">
    <optional><attribute name="xml:base"><ref name="atomUri"/></attribute></optional>
    <optional><attribute name="xml:lang"><ref name="atomLanguageTag"/></attribute></optional>
    <zeroOrMore><ref name="undefinedAttribute"/></zeroOrMore>
  </define>

  <define name="atomPlainTextConstruct">
    <ref name="atomCommonAttributes"/>
    <optional><attribute name="type"><choice><value>text</value><value>html</value></choice></attribute></optional>
    <text/>
  </define>
  <define name="atomXHTMLTextConstruct">
    <ref name="atomCommonAttributes"/>
    <attribute name="type"><value>xhtml</value></attribute>
    <ref name="xhtmlDiv"/>
  </define>
  <define name="atomTextConstruct">
    <choice><ref name="atomPlainTextConstruct"/><ref name="atomXHTMLTextConstruct"/></choice>
  </define>

  <define name="atomPersonConstruct">
    <ref name="atomCommonAttributes"/>
    <interleave>
      <element name="name"><text/></element>
      <optional><element name="uri"><ref name="atomUri"/></element></optional>
      <optional><element name="email"><ref name="atomEmailAddress"/></element></optional>
      <zeroOrMore><ref name="extensionElement"/></zeroOrMore>
    </interleave>
  </define>

  <define name="atomDateConstruct">
    <ref name="atomCommonAttributes"/>
    <data type="dateTime"/>
  </define>

  <define name="atomFeed">
    <element name="feed">
      <ref name="atomCommonAttributes"/>
      <interleave>
        <zeroOrMore><ref name="atomAuthor"/></zeroOrMore>
        <zeroOrMore><ref name="atomCategory"/></zeroOrMore>
        <zeroOrMore><ref name="atomContributor"/></zeroOrMore>
        <optional><ref name="atomGenerator"/></optional>
        <optional><ref name="atomIcon"/></optional>
        <ref name="atomId"/>
        <zeroOrMore><ref name="atomLink"/></zeroOrMore>
        <optional><ref name="atomLogo"/></optional>
        <optional><ref name="atomRights"/></optional>
        <optional><ref name="atomSubtitle"/></optional>
        <ref name="atomTitle"/>
        <ref name="atomUpdated"/>
        <zeroOrMore><ref name="extensionElement"/></zeroOrMore>
      </interleave>
      <zeroOrMore><ref name="atomEntry"/></zeroOrMore>
    </element>
  </define>

  <define name="atomEntry">
    <element name="entry">
      <ref name="atomCommonAttributes"/>
      <interleave>
        <zeroOrMore><ref name="atomAuthor"/></zeroOrMore>
        <zeroOrMore><ref name="atomCategory"/></zeroOrMore>
        <optional><ref name="atomContent"/></optional>
        <zeroOrMore><ref name="atomContributor"/></zeroOrMore>
        <ref name="atomId"/>
        <zeroOrMore><ref name="atomLink"/></zeroOrMore>
        <optional><ref name="atomPublished"/></optional>
        <optional><ref name="atomRights"/></optional>
        <optional><ref name="atomSource"/></optional>
        <optional><ref name="atomSummary"/></optional>
        <ref name="atomTitle"/>
        <ref name="atomUpdated"/>
        <zeroOrMore><ref name="extensionElement"/></zeroOrMore>
      </interleave>
    </element>
  </define>

  <define name="atomInlineTextContent">
    <element name="content">
      <ref name="atomCommonAttributes"/>
      <optional><attribute name="type"><choice><value>text</value><value>html</value></choice></attribute></optional>
      <zeroOrMore><text/></zeroOrMore>
    </element>
  </define>
  <define name="atomInlineXHTMLContent">
    <element name="content">
      <ref name="atomCommonAttributes"/>
      <attribute name="type"><value>xhtml</value></attribute>
      <ref name="xhtmlDiv"/>
    </element>
  </define>
  <define name="atomInlineOtherContent">
    <element name="content">
      <ref name="atomCommonAttributes"/>
      <optional><attribute name="type"><ref name="atomMediaType"/></attribute></optional>
      <zeroOrMore><choice><text/><ref name="anyElement"/></choice></zeroOrMore>
    </element>
  </define>
  <define name="atomOutOfLineContent">
    <element name="content">
      <ref name="atomCommonAttributes"/>
      <optional><attribute name="type"><ref name="atomMediaType"/></attribute></optional>
      <attribute name="src"><ref name="atomUri"/></attribute>
      <empty/>
    </element>
  </define>
  <define name="atomContent">
    <choice>
      <ref name="atomInlineTextContent"/>
      <ref name="atomInlineXHTMLContent"/>
      <ref name="atomInlineOtherContent"/>
      <ref name="atomOutOfLineContent"/>
    </choice>
  </define>

  <define name="atomAuthor"><element name="author"><ref name="atomPersonConstruct"/></element></define>

  <define name="atomCategory">
    <element name="category">
      <ref name="atomCommonAttributes"/>
      <attribute name="term"><text/></attribute>
      <optional><attribute name="scheme"><ref name="atomUri"/></attribute></optional>
      <optional><attribute name="label"><text/></attribute></optional>
      <ref name="undefinedContent"/>
    </element>
  </define>

  <define name="atomContributor"><element name="contributor"><ref name="atomPersonConstruct"/></element></define>

  <define name="atomGenerator">
    <element name="generator">
      <ref name="atomCommonAttributes"/>
      <optional><attribute name="uri"><ref name="atomUri"/></attribute></optional>
      <optional><attribute name="version"><text/></attribute></optional>
      <text/>
    </element>
  </define>

  <define name="atomIcon"><element name="icon"><ref name="atomCommonAttributes"/><ref name="atomUri"/></element></define>
  <define name="atomId"><element name="id"><ref name="atomCommonAttributes"/><ref name="atomUri"/></element></define>
  <define name="atomLogo"><element name="logo"><ref name="atomCommonAttributes"/><ref name="atomUri"/></element></define>

  <define name="atomLink">
    <element name="link">
      <ref name="atomCommonAttributes"/>
      <attribute name="href"><ref name="atomUri"/></attribute>
      <optional><attribute name="rel"><choice><ref name="atomNCName"/><ref name="atomUri"/></choice></attribute></optional>
      <optional><attribute name="type"><ref name="atomMediaType"/></attribute></optional>
      <optional><attribute name="hreflang"><ref name="atomLanguageTag"/></attribute></optional>
      <optional><attribute name="title"><text/></attribute></optional>
      <optional><attribute name="length"><text/></attribute></optional>
      <ref name="undefinedContent"/>
    </element>
  </define>

  <define name="atomPublished"><element name="published"><ref name="atomDateConstruct"/></element></define>
  <define name="atomRights"><element name="rights"><ref name="atomTextConstruct"/></element></define>

  <define name="atomSource">
    <element name="source">
      <ref name="atomCommonAttributes"/>
      <interleave>
        <zeroOrMore><ref name="atomAuthor"/></zeroOrMore>
        <zeroOrMore><ref name="atomCategory"/></zeroOrMore>
        <zeroOrMore><ref name="atomContributor"/></zeroOrMore>
        <optional><ref name="atomGenerator"/></optional>
        <optional><ref name="atomIcon"/></optional>
        <optional><ref name="atomId"/></optional>
        <zeroOrMore><ref name="atomLink"/></zeroOrMore>
        <optional><ref name="atomLogo"/></optional>
        <optional><ref name="atomRights"/></optional>
        <optional><ref name="atomSubtitle"/></optional>
        <optional><ref name="atomTitle"/></optional>
        <optional><ref name="atomUpdated"/></optional>
        <zeroOrMore><ref name="extensionElement"/></zeroOrMore>
      </interleave>
    </element>
  </define>

  <define name="atomSubtitle"><element name="subtitle"><ref name="atomTextConstruct"/></element></define>
  <define name="atomSummary"><element name="summary"><ref name="atomTextConstruct"/></element></define>
  <define name="atomTitle"><element name="title"><ref name="atomTextConstruct"/></element></define>
  <define name="atomUpdated"><element name="updated"><ref name="atomDateConstruct"/></element></define>

  <define name="atomNCName">
    <data type="string"><param name="minLength">1</param><param name="pattern">[^:]*</param></data>
  </define>
  <define name="atomMediaType"><data type="string"><param name="pattern">.+/.+</param></data></define>
  <define name="atomLanguageTag">
    <data type="string"><param name="pattern">[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*</param></data>
  </define>
  <define name="atomUri"><text/></define>
  <define name="atomEmailAddress"><data type="string"><param name="pattern">.+@.+</param></data></define>

  <define name="simpleExtensionElement">
    <element><anyName><except><nsName/></except></anyName><text/></element>
  </define>
  <define name="structuredExtensionElement">
    <element>
      <anyName><except><nsName/></except></anyName>
      <choice>
        <group>
          <oneOrMore><attribute><anyName/><text/></attribute></oneOrMore>
          <zeroOrMore><choice><text/><ref name="anyElement"/></choice></zeroOrMore>
        </group>
        <group>
          <zeroOrMore><attribute><anyName/><text/></attribute></zeroOrMore>
          <optional><text/></optional>
          <oneOrMore><ref name="anyElement"/></oneOrMore>
          <zeroOrMore><choice><text/><ref name="anyElement"/></choice></zeroOrMore>
        </group>
      </choice>
    </element>
  </define>
  <define name="extensionElement">
    <choice><ref name="simpleExtensionElement"/><ref name="structuredExtensionElement"/></choice>
  </define>

  <define name="undefinedAttribute">
    <attribute>
      <anyName>
        <except>
          <name ns="http://www.w3.org/XML/1998/namespace">base</name>
          <name ns="http://www.w3.org/XML/1998/namespace">lang</name>
          <nsName ns=""/>
        </except>
      </anyName>
      <text/>
    </attribute>
  </define>
  <define name="undefinedContent">
    <zeroOrMore><choice><text/><ref name="anyForeignElement"/></choice></zeroOrMore>
  </define>
  <define name="anyElement">
    <element><anyName/>
      <zeroOrMore><choice><attribute><anyName/><text/></attribute><text/><ref name="anyElement"/></choice></zeroOrMore>
    </element>
  </define>
  <define name="anyForeignElement">
    <element><anyName><except><nsName/></except></anyName>
      <zeroOrMore><choice><attribute><anyName/><text/></attribute><text/><ref name="anyElement"/></choice></zeroOrMore>
    </element>
  </define>

  <define name="anyXHTML">
    <element><nsName ns="http://www.w3.org/1999/xhtml"/>
      <zeroOrMore><choice><attribute><anyName/><text/></attribute><text/><ref name="anyXHTML"/></choice></zeroOrMore>
    </element>
  </define>
  <define name="xhtmlDiv">
    <element name="div" ns="http://www.w3.org/1999/xhtml">
      <zeroOrMore><choice><attribute><anyName/><text/></attribute><text/><ref name="anyXHTML"/></choice></zeroOrMore>
    </element>
  </define>
</grammar>
"""
ATOM_SCHEMA = etree.RelaxNG(etree.fromstring(ATOM_RNG.encode()))


# ============================================================================ JSON Feed 1.1 as JSON Schema
# From https://jsonfeed.org/version/1.1: required keys, types, "one or both" of the contents, the author
# object's "at least one" member, and the extension rule (other keys must start with '_' and a letter).
_EXTENSIONS = {"^_[A-Za-z][^.]*$": {}}
_STRING = {"type": "string"}
_URL = {"type": "string", "minLength": 1}
_DATE = {"type": "string", "pattern": RFC3339.pattern}
_LANGUAGE = {"type": "string", "pattern": LANGUAGE_TAG.pattern}
_AUTHOR = {
    "type": "object",
    "properties": {"name": _STRING, "url": _URL, "avatar": _URL},
    "patternProperties": _EXTENSIONS, "additionalProperties": False,
    "anyOf": [{"required": ["name"]}, {"required": ["url"]}, {"required": ["avatar"]}],
}
JSON_FEED_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": _STRING, "home_page_url": _URL, "feed_url": _URL, "description": _STRING,
        "user_comment": _STRING, "next_url": _URL, "icon": _URL, "favicon": _URL,
        "authors": {"type": "array", "items": _AUTHOR},
        "author": _AUTHOR,  # JSON Feed 1.0, deprecated but valid
        "language": _LANGUAGE, "expired": {"type": "boolean"},
        "hubs": {"type": "array", "items": {"type": "object", "required": ["type", "url"],
                                            "properties": {"type": _STRING, "url": _URL}}},
        "items": {"type": "array", "items": {
            "type": "object",
            "required": ["id"],
            "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
            "properties": {
                "id": _STRING, "url": _URL, "external_url": _URL, "title": _STRING,
                "content_html": _STRING, "content_text": _STRING, "summary": _STRING,
                "image": _URL, "banner_image": _URL, "date_published": _DATE, "date_modified": _DATE,
                "authors": {"type": "array", "items": _AUTHOR}, "author": _AUTHOR,
                "tags": {"type": "array", "items": _STRING}, "language": _LANGUAGE,
                "attachments": {"type": "array", "items": {
                    "type": "object", "required": ["url", "mime_type"],
                    "properties": {"url": _URL, "mime_type": {"type": "string", "pattern": "^[^/]+/[^/]+$"},
                                   "title": _STRING, "size_in_bytes": {"type": "number", "minimum": 0},
                                   "duration_in_seconds": {"type": "number", "minimum": 0}},
                    "patternProperties": _EXTENSIONS, "additionalProperties": False}},
            },
            "patternProperties": _EXTENSIONS, "additionalProperties": False,
        }},
    },
    "patternProperties": _EXTENSIONS, "additionalProperties": False,
}
jsonschema.Draft202012Validator.check_schema(JSON_FEED_SCHEMA)
JSON_FEED_VALIDATOR = jsonschema.Draft202012Validator(JSON_FEED_SCHEMA)


# ============================================================================ URL and date rules

def uri_problems(value: str | None, what: str, *, absolute: bool, iri: bool = False) -> list[str]:
    """RFC 3986 (or RFC 3987 with iri=True) syntax; absolute: a scheme, and a host for http(s)."""
    if not value:
        return [f"{what}: empty"]
    problems = []
    ascii_part = "".join(ch for ch in value if ord(ch) < 128) if iri else value
    if not URI_CHARS.match(ascii_part):
        bad = sorted({ch for ch in ascii_part if not URI_CHARS.match(ch)})
        problems.append(f"{what}: characters not allowed in a URI {bad}: {value!r}")
    if iri and BIDI_FORMATTING & set(value):
        problems.append(f"{what}: bidi formatting characters in an IRI: {value!r}")
    if BAD_PERCENT.search(value):
        problems.append(f"{what}: '%' not followed by two hex digits: {value!r}")
    if absolute:
        if not SCHEME.match(value):
            problems.append(f"{what}: not absolute (no scheme): {value!r}")
        elif value.split(":", 1)[0].lower() in ("http", "https") and not urlsplit(value).netloc:
            problems.append(f"{what}: http(s) URL without a host: {value!r}")
    return problems


def http_url_problems(value: str | None, what: str, *, iri: bool = False) -> list[str]:
    problems = uri_problems(value, what, absolute=True, iri=iri)
    if not problems and urlsplit(value).scheme not in ("http", "https"):
        problems.append(f"{what}: not an http(s) URL: {value!r}")
    return problems


def rfc3339_problems(value: str | None, what: str) -> list[str]:
    if not value or not RFC3339.match(value):
        return [f"{what}: not an RFC 3339 date-time with an offset: {value!r}"]
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        return [f"{what}: {value!r}: {exc}"]
    return []


def rfc822_problems(value: str | None, what: str) -> list[str]:
    if not value or not RFC822.match(value):
        return [f"{what}: not an RFC 822 date with a 4-digit year and numeric zone: {value!r}"]
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        return [f"{what}: {value!r}: {exc}"]
    if moment.tzinfo is None:
        return [f"{what}: no time zone: {value!r}"]
    if moment.strftime("%a") != value[:3]:
        return [f"{what}: the weekday is wrong ({moment:%a}): {value!r}"]
    return []


def language_problems(value: str | None, what: str) -> list[str]:
    return [] if value and LANGUAGE_TAG.match(value) else [f"{what}: not a BCP 47 language tag: {value!r}"]


# ============================================================================ checkers: each returns every problem found

def parse_xml(data: bytes) -> etree._Element:
    """Well-formed, UTF-8, and no DTD or entity tricks."""
    assert data.startswith(b"<?xml"), data[:60]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    return etree.fromstring(data, parser)


def atom_problems(data: bytes, self_url: str, *, absolute: bool = True) -> list[str]:
    """RFC 4287, for a feed published at self_url; absolute=False for a site without a host."""
    root = parse_xml(data)
    problems = []
    if not ATOM_SCHEMA.validate(root):
        problems += [f"RELAX NG line {e.line}: {e.message}" for e in ATOM_SCHEMA.error_log]
    if root.tag != f"{{{ATOM_NS}}}feed":
        return problems + [f"root is {root.tag}, not atom:feed"]
    entries = root.findall("a:entry", A)
    for name in ("id", "title", "updated"):
        if len(root.findall(f"a:{name}", A)) != 1:
            problems.append(f"feed: needs exactly one atom:{name}")
    for index, entry in enumerate(entries):
        for name in ("id", "title", "updated"):
            if len(entry.findall(f"a:{name}", A)) != 1:
                problems.append(f"entry {index}: needs exactly one atom:{name}")
    # §4.1.1: an author at feed level unless every entry has one (Appendix B's Schematron rule).
    if root.find("a:author", A) is None and any(e.find("a:author", A) is None for e in entries):
        problems.append("feed: no atom:author, and not every entry has one")
    # §4.2.6: ids are IRIs, and "IRI" excludes relative references.
    ids = [root.findtext("a:id", namespaces=A)] + [e.findtext("a:id", namespaces=A) for e in entries]
    for value in ids:
        problems += uri_problems(value, "atom:id", absolute=True, iri=True)
    entry_ids = ids[1:]
    if len(set(entry_ids)) != len(entry_ids):
        problems.append(f"entries share an atom:id: {entry_ids}")
    # §3: no white space in any IRI or date; IRI references everywhere else.
    for element in root.iter():
        local = etree.QName(element).localname
        namespace = etree.QName(element).namespace
        if namespace == ATOM_NS and local in ("updated", "published"):
            problems += rfc3339_problems(element.text, f"atom:{local}")
        if namespace == ATOM_NS and local in ("uri", "icon", "logo"):
            problems += uri_problems(element.text, f"atom:{local}", absolute=False, iri=True)
        for attribute in ("href", "scheme", "src", "uri"):
            if namespace == ATOM_NS and element.get(attribute) is not None:
                problems += uri_problems(element.get(attribute), f"atom:{local}/@{attribute}",
                                         absolute=absolute, iri=True)
    # §4.1.1: one rel="self" (SHOULD) pointing where the feed lives.
    selfs = root.findall("a:link[@rel='self']", A)
    if [link.get("href") for link in selfs] != [self_url]:
        problems.append(f"feed: rel=self links {[link.get('href') for link in selfs]} != [{self_url!r}]")
    for index, holder in enumerate([root, *entries]):
        where = "feed" if index == 0 else f"entry {index - 1}"
        alternates = [(link.get("type"), link.get("hreflang")) for link in holder.findall("a:link", A)
                      if link.get("rel", "alternate") == "alternate"]
        if len(alternates) != len(set(alternates)):
            problems.append(f"{where}: two rel=alternate links with the same type and hreflang")
    for index, entry in enumerate(entries):
        alternate = [link for link in entry.findall("a:link", A) if link.get("rel", "alternate") == "alternate"]
        content = entry.find("a:content", A)
        if content is None and not alternate:
            problems.append(f"entry {index}: neither atom:content nor a rel=alternate link")
        if content is not None and content.get("type") in (None, "text", "html") and len(content):
            problems.append(f"entry {index}: text/html atom:content has child elements")
        if content is not None and content.get("src") is not None and entry.find("a:summary", A) is None:
            problems.append(f"entry {index}: out-of-line content needs an atom:summary")
        for link in entry.findall("a:link[@rel='enclosure']", A):
            if link.get("length") is not None and not link.get("length").isdigit():
                problems.append(f"entry {index}: enclosure length {link.get('length')!r} is not a byte count")
    # The feed's atom:updated is the latest change it holds.
    feed_updated = root.findtext("a:updated", namespaces=A)
    if feed_updated and RFC3339.match(feed_updated):
        newest = _instant(feed_updated)
        for index, entry in enumerate(entries):
            value = entry.findtext("a:updated", namespaces=A)
            if value and RFC3339.match(value) and _instant(value) > newest:
                problems.append(f"entry {index}: updated {value} is later than the feed's {feed_updated}")
    return problems


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def rss_problems(data: bytes, self_url: str, *, absolute: bool = True) -> list[str]:
    """RSS 2.0 (https://www.rssboard.org/rss-specification) with its common extension namespaces."""
    root = parse_xml(data)
    problems = []
    if root.tag != "rss" or root.get("version") != "2.0":
        return [f"root is <{root.tag} version={root.get('version')!r}>, not <rss version='2.0'>"]
    for prefix, uri in root.nsmap.items():
        if prefix in RSS_NAMESPACES and uri != RSS_NAMESPACES[prefix]:
            problems.append(f"xmlns:{prefix} is {uri!r}, expected {RSS_NAMESPACES[prefix]!r}")
    if None in root.nsmap:
        problems.append("RSS elements must not be in a namespace (a default xmlns is declared)")
    for element in root.iter(etree.Element):
        namespace = etree.QName(element).namespace
        if namespace and namespace not in RSS_NAMESPACES.values():
            problems.append(f"element in an unknown namespace: {element.tag}")
        if namespace and root.nsmap.get(element.prefix) != namespace:
            problems.append(f"{element.prefix}: is not declared on <rss>: {element.tag}")
    channels = root.findall("channel")
    if len(channels) != 1:
        return problems + [f"{len(channels)} <channel> elements"]
    channel = channels[0]
    for name in ("title", "link", "description"):
        if len(channel.findall(name)) != 1 or not (channel.findtext(name) or "").strip():
            problems.append(f"channel: needs exactly one non-empty <{name}>")
    if absolute:
        problems += http_url_problems(channel.findtext("link"), "channel/link")
    if channel.find("language") is not None:
        problems += language_problems(channel.findtext("language"), "channel/language")
    for name in ("pubDate", "lastBuildDate"):
        if channel.find(name) is not None:
            problems += rfc822_problems(channel.findtext(name), f"channel/{name}")
    selfs = channel.findall(f"{{{ATOM_NS}}}link[@rel='self']")
    if [link.get("href") for link in selfs] != [self_url]:
        problems.append(f"channel: atom:link rel=self {[link.get('href') for link in selfs]} != [{self_url!r}]")
    for index, item in enumerate(channel.findall("item")):
        where = f"item {index}"
        if not (item.findtext("title") or item.findtext("description")):
            problems.append(f"{where}: needs a title or a description")
        for name in ("title", "link", "description", "guid", "pubDate", "comments", "author", "source"):
            if len(item.findall(name)) > 1:
                problems.append(f"{where}: more than one <{name}>")
        if item.find("link") is not None and absolute:
            problems += http_url_problems(item.findtext("link"), f"{where}/link")
        guid = item.find("guid")
        if guid is not None:
            permalink = guid.get("isPermaLink", "true")
            if permalink not in ("true", "false"):
                problems.append(f"{where}: guid isPermaLink={permalink!r}")
            if permalink == "true":  # the default: the guid is then a URL a browser can open
                problems += http_url_problems(guid.text, f"{where}/guid (isPermaLink true)")
        if item.find("pubDate") is not None:
            problems += rfc822_problems(item.findtext("pubDate"), f"{where}/pubDate")
        enclosures = item.findall("enclosure")
        if len(enclosures) > 1:
            problems.append(f"{where}: more than one <enclosure>")
        for enclosure in enclosures:
            if set(enclosure.attrib) != {"url", "length", "type"}:
                problems.append(f"{where}: enclosure attributes {sorted(enclosure.attrib)} != url, length, type")
            if absolute or enclosure.get("url") is None:
                problems += http_url_problems(enclosure.get("url"), f"{where}/enclosure/@url")
            if not (enclosure.get("length") or "").isdigit():
                problems.append(f"{where}: enclosure length {enclosure.get('length')!r} is not a byte count")
            if not re.match(r"^[\w.+-]+/[\w.+-]+$", enclosure.get("type") or ""):
                problems.append(f"{where}: enclosure type {enclosure.get('type')!r} is not a MIME type")
        for media in item.findall("media:content", RSS_NAMESPACES):
            if absolute:
                problems += http_url_problems(media.get("url"), f"{where}/media:content/@url")
            if media.get("medium") not in (None, "image", "audio", "video", "document", "executable"):
                problems.append(f"{where}: media:content medium {media.get('medium')!r}")
            for name in ("width", "height"):
                if media.get(name) is not None and not media.get(name).isdigit():
                    problems.append(f"{where}: media:content {name} {media.get(name)!r}")
        if item.find("author") is not None and "@" not in (item.findtext("author") or ""):
            problems.append(f"{where}: <author> must be an e-mail address")
    return problems


def json_feed_problems(data: bytes, feed_url: str, *, absolute: bool = True) -> list[str]:
    feed = json.loads(data)
    problems = [f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
                for error in JSON_FEED_VALIDATOR.iter_errors(feed)]
    if problems:
        return problems
    if feed.get("feed_url") != feed_url:
        problems.append(f"feed_url {feed.get('feed_url')!r} != {feed_url!r}")
    urls = [("home_page_url", feed.get("home_page_url")), ("feed_url", feed.get("feed_url"))]
    ids = [item["id"] for item in feed["items"]]
    if len(set(ids)) != len(ids):
        problems.append(f"items share an id: {ids}")
    for index, item in enumerate(feed["items"]):
        for key in ("date_published", "date_modified"):
            if key in item:
                problems += rfc3339_problems(item[key], f"items/{index}/{key}")
        urls += [(f"items/{index}/{key}", item[key]) for key in ("url", "external_url", "image", "banner_image")
                 if key in item]
        urls += [(f"items/{index}/authors/url", author["url"]) for author in item.get("authors", ()) if "url" in author]
        urls += [(f"items/{index}/attachments/url", a["url"]) for a in item.get("attachments", ())]
    for what, url in urls:
        if url is not None:
            problems += (http_url_problems(url, what, iri=True) if absolute
                         else uri_problems(url, what, absolute=False, iri=True))
    return problems


def sitemap_problems(data: bytes, sitemap_url: str) -> list[str]:
    """sitemaps.org protocol 0.9, for a sitemap published at sitemap_url."""
    problems = []
    if len(data) > 50 * 1024 * 1024:
        problems.append(f"larger than 50 MiB: {len(data)} bytes")
    root = parse_xml(data)
    if root.tag != f"{{{SITEMAP_NS}}}urlset":
        return [f"root is {root.tag}, not the 0.9 urlset"]
    urls = list(root)
    if not urls or len(urls) > 50_000:
        problems.append(f"{len(urls)} <url> elements (1 to 50,000 allowed)")
    # A sitemap may only list URLs on its own host, at or below its own folder.
    folder = sitemap_url.rsplit("/", 1)[0] + "/"
    locs = []
    for index, url in enumerate(urls):
        where = f"url {index}"
        if url.tag != f"{{{SITEMAP_NS}}}url":
            problems.append(f"{where}: unexpected element {url.tag}")
            continue
        names = [etree.QName(child).localname for child in url if etree.QName(child).namespace == SITEMAP_NS]
        if names.count("loc") != 1 or any(names.count(n) > 1 for n in ("lastmod", "changefreq", "priority")):
            problems.append(f"{where}: children {names} (exactly one loc, at most one of each other)")
        if set(names) - {"loc", "lastmod", "changefreq", "priority"}:
            problems.append(f"{where}: unknown sitemap elements {names}")
        loc = url.findtext(f"{{{SITEMAP_NS}}}loc")
        locs.append(loc)
        problems += http_url_problems(loc, f"{where}/loc")
        if loc and len(loc) > 2048:
            problems.append(f"{where}: loc longer than 2,048 characters")
        if loc and not loc.startswith(folder):
            problems.append(f"{where}: loc {loc!r} is outside the sitemap's folder {folder!r}")
        lastmod = url.findtext(f"{{{SITEMAP_NS}}}lastmod")
        if lastmod is not None and not W3C_DATETIME.match(lastmod):
            problems.append(f"{where}: lastmod {lastmod!r} is not a W3C Datetime")
        changefreq = url.findtext(f"{{{SITEMAP_NS}}}changefreq")
        if changefreq is not None and changefreq not in (
                "always", "hourly", "daily", "weekly", "monthly", "yearly", "never"):
            problems.append(f"{where}: changefreq {changefreq!r}")
        priority = url.findtext(f"{{{SITEMAP_NS}}}priority")
        if priority is not None and not (re.match(r"^(0(\.\d+)?|1(\.0+)?)$", priority)):
            problems.append(f"{where}: priority {priority!r}")
    if len(set(locs)) != len(locs):
        problems.append("a loc is listed twice")
    # Entity-escaped in the file: a raw & ' " < > inside <loc> is an error (sitemaps.org "Entity escaping").
    for raw in re.findall(rb"<loc>(.*?)</loc>", data, re.S):
        if re.search(rb"&(?!(amp|apos|quot|lt|gt|#\d+|#x[0-9a-fA-F]+);)|['\"<>]", raw):
            problems.append(f"loc not entity-escaped: {raw[:80]!r}")
    return problems


# ============================================================================ HTML head

class PageReader(HTMLParser):
    """What crawlers read from a page: head links and metas, JSON-LD, the visible breadcrumb."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []
        self.metas: list[dict[str, str]] = []
        self.json_ld: list[str] = []
        self.crumbs: list[str] = []
        self.body_class = ""
        self.h1 = ""
        self.has_hero = False
        self.has_byline_authors = False
        self.raw_script_types: list[str] = []
        self._in_head = self._in_script = self._in_breadcrumb = self._in_crumb = self._in_h1 = False
        self._script_text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        classes = attrs.get("class", "").split()
        if tag == "head":
            self._in_head = True
        elif tag == "body":
            self._in_head = False
            self.body_class = attrs.get("class", "")
        elif tag == "link" and self._in_head:
            self.links.append(attrs)
        elif tag == "meta" and self._in_head:
            self.metas.append(attrs)
        elif tag == "script":
            self.raw_script_types.append(attrs.get("type", ""))
            if attrs.get("type") == "application/ld+json":
                self._in_script, self._script_text = True, []
        elif tag == "nav" and "breadcrumb" in classes:
            self._in_breadcrumb = True
        elif tag == "li" and self._in_breadcrumb:
            self._in_crumb = True
            self.crumbs.append("")
        elif tag == "h1":
            self._in_h1 = True
        elif tag == "figure" and "hero" in classes:
            self.has_hero = True
        elif tag == "span" and "authors" in classes:
            self.has_byline_authors = True

    def handle_endtag(self, tag):
        if tag == "head":
            self._in_head = False
        elif tag == "script" and self._in_script:
            self._in_script = False
            self.json_ld.append("".join(self._script_text))
        elif tag == "nav":
            self._in_breadcrumb = False
        elif tag == "li":
            self._in_crumb = False
        elif tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_script:
            self._script_text.append(data)
        if self._in_crumb:
            self.crumbs[-1] += data
        if self._in_h1:
            self.h1 += data

    def rel(self, rel: str) -> list[str]:
        return [link.get("href", "") for link in self.links if rel in link.get("rel", "").split()]

    def meta(self, key: str) -> list[str]:
        return [m.get("content", "") for m in self.metas if key in (m.get("property"), m.get("name"))]


def article_head_problems(page: PageReader, *, absolute: bool = True) -> list[str]:
    """Canonical, Open Graph and JSON-LD of one article page."""
    problems = []
    canonical = page.rel("canonical")
    if len(canonical) != 1:
        return [f"{len(canonical)} rel=canonical links"]
    canonical_url = canonical[0]
    if absolute:
        problems += http_url_problems(canonical_url, "canonical", iri=True)
    og_url = page.meta("og:url")
    if og_url != [canonical_url]:
        problems.append(f"og:url {og_url} != canonical {canonical_url!r}")
    title = page.h1.strip()
    if page.meta("og:title") != [title]:
        problems.append(f"og:title {page.meta('og:title')} != the headline {title!r}")
    og_image = page.meta("og:image")
    if page.has_hero != bool(og_image):
        problems.append(f"og:image {og_image} but hero image on the page: {page.has_hero}")
    for url in og_image:
        if absolute:
            problems += http_url_problems(url, "og:image", iri=True)
    published = page.meta("article:published_time")
    if len(published) != 1:
        problems.append(f"{len(published)} article:published_time metas")
    else:
        try:
            if datetime.fromisoformat(published[0]).tzinfo is None:
                problems.append(f"article:published_time without an offset: {published[0]!r}")
        except ValueError:
            problems.append(f"article:published_time is not ISO 8601: {published[0]!r}")
    if len(page.json_ld) != 1:
        return problems + [f"{len(page.json_ld)} JSON-LD scripts"]
    raw = page.json_ld[0]
    if "<" in raw:
        problems.append(f"raw '<' in JSON-LD (a '</script>' could end it): ...{raw[raw.index('<') - 30:][:80]}")
    if "\u2028" in raw or "\u2029" in raw:
        problems.append("raw U+2028/U+2029 in JSON-LD")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        return problems + [f"JSON-LD does not parse: {exc}"]
    nodes = data if isinstance(data, list) else [data]
    by_type = {node.get("@type"): node for node in nodes}
    article, crumbs = by_type.get("NewsArticle"), by_type.get("BreadcrumbList")
    if article is None or crumbs is None:
        return problems + [f"JSON-LD types {list(by_type)}: need NewsArticle and BreadcrumbList"]
    if any(node.get("@context") not in ("https://schema.org", "https://schema.org/", "http://schema.org")
           for node in nodes):
        problems.append("JSON-LD @context is not schema.org")
    headline = article.get("headline")
    if not isinstance(headline, str) or not headline or len(headline) > 110:
        problems.append(f"headline must be 1 to 110 characters: {headline!r}")
    elif not title.startswith(headline):
        problems.append(f"headline {headline!r} is not the page's headline {title!r}")
    try:
        if datetime.fromisoformat(article.get("datePublished", "")).tzinfo is None:
            problems.append("datePublished has no offset")
        if published and datetime.fromisoformat(article["datePublished"]) != datetime.fromisoformat(published[0]):
            problems.append(f"datePublished {article['datePublished']} != article:published_time {published[0]}")
    except ValueError:
        problems.append(f"datePublished is not ISO 8601: {article.get('datePublished')!r}")
    if page.has_byline_authors:
        authors = article.get("author")
        authors = authors if isinstance(authors, list) else [authors] if authors else []
        if not authors or any(not isinstance(a, dict) or not a.get("name") or a.get("@type") not in
                              ("Person", "Organization") for a in authors):
            problems.append(f"NewsArticle author {article.get('author')!r}: Person/Organization objects with names")
        for author in authors:
            if isinstance(author, dict) and "url" in author and absolute:
                problems += http_url_problems(author["url"], "author url", iri=True)
    if og_image:
        images = article.get("image")
        images = images if isinstance(images, list) else [images]
        if images != og_image:
            problems.append(f"NewsArticle image {article.get('image')} != og:image {og_image}")
    elif "image" in article:
        problems.append(f"NewsArticle image {article['image']} but no image on the page")
    for key in ("url", "mainEntityOfPage"):
        if article.get(key) != canonical_url:
            problems.append(f"NewsArticle {key} {article.get(key)!r} != canonical {canonical_url!r}")
    elements = crumbs.get("itemListElement") or []
    if [e.get("position") for e in elements] != list(range(1, len(elements) + 1)):
        problems.append(f"BreadcrumbList positions {[e.get('position') for e in elements]}")
    if [e.get("name") for e in elements] != [crumb.strip() for crumb in page.crumbs]:
        problems.append(f"BreadcrumbList names {[e.get('name') for e in elements]} != visible {page.crumbs}")
    for element in elements:
        if element.get("@type") != "ListItem":
            problems.append(f"breadcrumb element of type {element.get('@type')!r}")
        if "item" in element and absolute:
            problems += http_url_problems(element["item"], f"breadcrumb {element.get('position')} item", iri=True)
    if elements and elements[-1].get("item") != canonical_url:
        problems.append(f"the last breadcrumb {elements[-1].get('item')!r} is not the page {canonical_url!r}")
    return problems
