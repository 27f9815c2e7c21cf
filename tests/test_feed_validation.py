"""Every machine-read output of a built site, checked against its specification.

Sites are built through the real command line (conftest.build_site), once per
module, and then every file is validated as a consumer would read it:

- Atom: RELAX NG (lxml) translated from RFC 4287 Appendix B, plus the rules the
  RFC states in prose or as Schematron (ids are absolute IRIs, no white space in
  IRIs or dates, RFC 3339 dates with an offset, author at feed level or in every
  entry, one self link, alternate-link uniqueness).
- RSS 2.0 (RSS Advisory Board spec): channel title/link/description, item title
  or description, guid isPermaLink, RFC 822 dates, enclosure url/length/type,
  namespaces of the extension elements.
- JSON Feed 1.1: a JSON Schema written from jsonfeed.org/version/1.1.
- feedparser reads Atom and RSS without complaint (bozo 0) and gets the titles back.
- sitemaps.org 0.9, robots.txt, the search index.
- HTML head of article pages: canonical, Open Graph, JSON-LD (schema.org
  NewsArticle and BreadcrumbList as Google reads them).

Each checker returns a list of problems, so a failure names every violation at
once; the checkers themselves are tested on known-good and known-bad documents
first, so that an empty list means something. Violations the code still has are
the xfail(strict=True) tests at the end of the file, each naming the bug.
"""

from __future__ import annotations

import email.utils
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import jsonschema
import pytest
from lxml import etree
from PIL import Image

from conftest import REPO, build_site, make_site
from sitegen.config import load_config

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


# ============================================================================ the sites

def yq(text: str) -> str:
    """A YAML double-quoted scalar for any text (JSON, with what YAML will not take raw escaped)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return re.sub("[\x7f-\x9f\u2028\u2029\ufeff]", lambda m: f"\\u{ord(m.group()):04x}", quoted)


def front_matter(body: str = "Some text.", **fields: str) -> str:
    return "---\n" + "".join(f"{key}: {value}\n" for key, value in fields.items()) + "---\n\n" + body + "\n"


def image_bytes(fmt: str = "PNG", size=(64, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


SITE_TITLE = 'Tom & Jerry\'s <News> ]]> "Daily" \x01 😀'
SITE_DESCRIPTION = "Desc & <b>not bold</b> ]]> </script>"
AUTHOR = 'O\'Brien & <Co> "Ltd"'
TAG = 'C++ & <T> "x"'
TITLE_MARKUP = 'A < B & C "double" \'single\' ]]> </script><script>alert(1)</script> &amp; done'
TITLE_CONTROL = "Control\x01\x08\x0b\x0c\x1f chars\x7f and a\ttab"
TITLE_EMOJI = "Emoji 😀 👍🏽 👨‍👩‍👧 🇪🇸 and RTL שלום עליכם مرحبا \u202eevil\u202c mixed"
TITLE_LOOSE = "No section </title></head><body>"
TITLE_LONG = ("A headline that keeps going and going " * 5).strip()
SUMMARY_MARKUP = "Summary </script><script>alert(1)</script> & ]]> <b>not bold</b> done"
SUMMARY_LONG = "A very long summary, far past what any meta description shows. " * 80
HOSTILE_TITLES = [TITLE_MARKUP, TITLE_CONTROL, TITLE_EMOJI, TITLE_LOOSE, TITLE_LONG]  # newest first


def as_read(title: str) -> str:
    """A title as sitegen reads it: control characters (tabs too) are spaces, runs of them one."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", title).split()) if re.search(r"[\x00-\x1f\x7f]", title) \
        else title.strip()


def hostile_files(config: str) -> dict[str, str | bytes]:
    """Articles with and without images, authors, tags and sections, plus a page, all with hostile text."""
    return {
        "site.yaml": config,
        "assets/images/hero.jpg": image_bytes("JPEG", (120, 60)),
        "content/science/photo.png": image_bytes(),
        "content/world/markup.md": front_matter(
            "Body & <b>bold</b> ]]> with a [link](https://example.org/x?a=1&b=2).",
            title=yq(TITLE_MARKUP), date="2024-06-21T09:30:00+02:00", author=yq(AUTHOR),
            tags=f"[{yq(TAG)}, Plain]", image="/images/hero.jpg", image_alt=yq('Alt "x" & <y>')),
        "content/world/control.md": front_matter(
            "Text.", title=yq(TITLE_CONTROL), date="2024-06-20 10:00", summary=yq(SUMMARY_MARKUP)),
        "content/science/emoji.md": front_matter(
            "Ciència 😀.", title=yq(TITLE_EMOJI), date="2024-06-19", image="photo.png", image_alt="A photo",
            summary=yq(SUMMARY_LONG), tags="[Ciència]"),
        "content/loose.md": front_matter(
            "Loose.", title=yq(TITLE_LOOSE), date="2024-06-18", authors=f"[{yq(AUTHOR)}, Second Author]"),
        "content/world/long.md": front_matter(
            "## Only a heading\n\n- and a list", title=yq(TITLE_LONG), date="2024-06-17",
            updated="2024-06-25 12:00", breadcrumb=f"[Start, {{title: {yq('Mid & <x>')}, url: /world/}}]"),
        "content/pages/about.md": front_matter("About text.", title=yq('About <us> & "them"')),
    }


def plain_files(config: str) -> dict[str, str | bytes]:
    return {
        "site.yaml": config,
        "assets/images/hero.jpg": image_bytes("JPEG"),
        "content/world/one.md": front_matter("One.", title="One", date="2024-01-02", author="Ann",
                                             image="/images/hero.jpg", image_alt="x", tags="[Alpha]"),
        "content/two.md": front_matter("Two.", title="Two", date="2024-01-01"),
        "content/pages/about.md": front_matter("About.", title="About"),
    }


SITES = {
    "hostile": lambda: hostile_files(
        f"title: {yq(SITE_TITLE)}\ndescription: {yq(SITE_DESCRIPTION)}\nbase_url: https://example.com/news/\n"
        "timezone: Europe/Madrid\nfeeds: {full_content: true}\n"),
    "hostile-summaries": lambda: hostile_files(
        f"title: {yq(SITE_TITLE)}\nbase_url: https://news.example.com\ntimezone: America/New_York\n"
        f"author: {yq(AUTHOR)}\nlanguage: ca\nfeeds: {{full_content: false, items: 3}}\n"),
    "path-root": lambda: plain_files("title: Plain\nbase_url: /\n"),
    "path-sub": lambda: plain_files("title: Plain\nbase_url: /news/\n"),
}
HOSTED = ["demo", "hostile", "hostile-summaries"]  # base_url with a host: every URL must be absolute
ALL = HOSTED + ["path-root", "path-sub"]


@dataclass(frozen=True)
class Built:
    name: str
    out: Path
    origin: str  # 'https://host', or '' when base_url is a path
    base_path: str
    full_content: bool
    items: int
    language: str

    def url(self, path: str) -> str:
        """A site-relative path ('atom.xml', 'world/') as feeds must write it."""
        return self.origin + self.base_path + path

    def read(self, path: str) -> bytes:
        return (self.out / path).read_bytes()

    def file_for(self, url: str) -> Path | None:
        """The output file a URL of this site is served from, or None when the URL is not on the site."""
        parts = urlsplit(url)
        if self.origin and f"{parts.scheme}://{parts.netloc}" != self.origin:
            return None
        if not parts.path.startswith(self.base_path):
            return None
        path = unquote(parts.path[len(self.base_path):])
        return self.out / (path + "index.html" if path == "" or path.endswith("/") else path)

    def html_files(self) -> list[Path]:
        return sorted(self.out.rglob("*.html"))

    def article_pages(self) -> list[tuple[Path, PageReader]]:
        pages = [(path, PageReader(path.read_text(encoding="utf-8"))) for path in self.html_files()]
        return [(path, page) for path, page in pages if "article-page" in page.body_class.split()]

    def feed_names(self) -> list[str]:
        return sorted(str(p.relative_to(self.out)) for p in self.out.rglob("atom.xml"))

    def articles_in_search_index(self) -> list[dict]:
        """The articles of the default language (those of its feeds)."""
        return [r for r in json.loads(self.read("search-index.json")) if r["date"] is not None]

    def articles_in_every_language(self) -> list[dict]:
        return [r for path in self.out.rglob("search-index.json")
                for r in json.loads(path.read_text(encoding="utf-8")) if r["date"] is not None]


def _build(name: str, root: Path) -> Built:
    if name == "demo":
        site_dir, out = REPO, root / "public"
        run = build_site(REPO, "-o", out)
    else:
        site_dir = make_site(root, SITES[name]())
        out = site_dir / "public"
        run = build_site(site_dir)
    assert run.code == 0, run.err
    config = load_config(site_dir)
    return Built(name, out, config.origin, config.base_path, config.feeds.full_content, config.feeds.items,
                 config.language)


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    cache: dict[str, Built] = {}

    def get(name: str) -> Built:
        if name not in cache:
            cache[name] = _build(name, tmp_path_factory.mktemp(name))
        return cache[name]

    return get


# ============================================================================ the checkers catch what they should

RFC4287_EXAMPLE = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:m="http://search.yahoo.com/mrss/" xml:lang="en">
  <title type="text">dive into mark</title>
  <subtitle type="html">A &lt;em&gt;lot&lt;/em&gt; of effort</subtitle>
  <updated>2005-07-31T12:29:29Z</updated>
  <id>tag:example.org,2003:3</id>
  <link rel="alternate" type="text/html" hreflang="en" href="http://example.org/"/>
  <link rel="self" type="application/atom+xml" href="http://example.org/feed.atom"/>
  <rights>Copyright (c) 2003, Mark Pilgrim</rights>
  <generator uri="http://www.example.com/" version="1.0">Example Toolkit</generator>
  <entry>
    <title>Atom draft-07 snapshot</title>
    <link rel="alternate" type="text/html" href="http://example.org/2005/04/02/atom"/>
    <link rel="enclosure" type="audio/mpeg" length="1337" href="http://example.org/audio/ph34r_my_podcast.mp3"/>
    <id>tag:example.org,2003:3.2397</id>
    <updated>2005-07-31T12:29:29Z</updated>
    <published>2003-12-13T08:29:29-04:00</published>
    <author><name>Mark Pilgrim</name><uri>http://example.org/</uri><email>f8dy@example.com</email></author>
    <contributor><name>Sam Ruby</name></contributor>
    <m:content url="http://example.org/a.jpg" medium="image"/>
    <content type="xhtml" xml:lang="en" xml:base="http://diveintomark.org/">
      <div xmlns="http://www.w3.org/1999/xhtml"><p><i>[Update: The Atom draft is finished.]</i></p></div>
    </content>
  </entry>
</feed>
"""
ATOM_SELF = "http://example.org/feed.atom"


def test_the_atom_checker_accepts_the_rfc_4287_example():
    assert atom_problems(RFC4287_EXAMPLE, ATOM_SELF) == []


@pytest.mark.parametrize("old, new, expected", [
    (b"<id>tag:example.org,2003:3</id>", b"", "id"),
    (b'<title type="text">dive into mark</title>', b"<title>a</title><title>b</title>", "title"),
    (b"<updated>2005-07-31T12:29:29Z</updated>\n  <id>", b"<updated>Sun, 31 Jul 2005</updated><id>", "dateTime"),
    (b"2003-12-13T08:29:29-04:00", b"2003-12-13 08:29:29", "RFC 3339"),
    (b"2003-12-13T08:29:29-04:00", b"2003-12-13T08:29:29", "RFC 3339"),
    (b"<id>tag:example.org,2003:3.2397</id>", b"<id>/2005/04/02/atom</id>", "not absolute"),
    (b'<author><name>Mark Pilgrim</name><uri>http://example.org/</uri><email>f8dy@example.com</email></author>',
     b"", "author"),
    (b'href="http://example.org/audio/ph34r_my_podcast.mp3"', b'href="http://example.org/my podcast.mp3"',
     "not allowed in a URI"),
    (b'xml:lang="en">', b'xml:lang="en_US">', "lang"),
    (b'<link rel="self" type="application/atom+xml" href="http://example.org/feed.atom"/>', b"", "rel=self"),
    (b'<link rel="alternate" type="text/html" href="http://example.org/2005/04/02/atom"/>',
     b'<link href="http://example.org/a"/><link rel="alternate" href="http://example.org/b"/>', "same type"),
    (b"<contributor>", b"<foo/><contributor>", "extra content"),
    (b'<content type="xhtml" xml:lang="en" xml:base="http://diveintomark.org/">\n      '
     b'<div xmlns="http://www.w3.org/1999/xhtml"><p><i>[Update: The Atom draft is finished.]</i></p></div>\n'
     b'    </content>', b'<content type="html"><p>raw</p></content>', "child elements"),
])
def test_the_atom_checker_rejects_each_rfc_4287_violation(old, new, expected):
    assert old in RFC4287_EXAMPLE
    problems = atom_problems(RFC4287_EXAMPLE.replace(old, new), ATOM_SELF)
    assert any(expected in problem for problem in problems), problems


def test_the_atom_checker_rejects_two_entries_with_one_id():
    entry = RFC4287_EXAMPLE[RFC4287_EXAMPLE.index(b"<entry>"):RFC4287_EXAMPLE.index(b"</feed>")]
    problems = atom_problems(RFC4287_EXAMPLE.replace(b"</feed>", entry + b"</feed>"), ATOM_SELF)
    assert any("share an atom:id" in problem for problem in problems), problems


RSS_EXAMPLE = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Liftoff News</title>
    <link>http://liftoff.msfc.nasa.gov/</link>
    <description>Liftoff to Space Exploration.</description>
    <language>en-us</language>
    <lastBuildDate>Tue, 10 Jun 2003 09:41:01 +0000</lastBuildDate>
    <atom:link rel="self" type="application/rss+xml" href="http://liftoff.msfc.nasa.gov/rss.xml"/>
    <item>
      <title>Star City</title>
      <link>http://liftoff.msfc.nasa.gov/news/2003/news-starcity.asp</link>
      <pubDate>Tue, 03 Jun 2003 09:39:21 +0000</pubDate>
      <guid>http://liftoff.msfc.nasa.gov/2003/06/03.html#item573</guid>
      <dc:creator>Jim</dc:creator>
      <enclosure url="http://www.example.com/a.mp3" length="12216320" type="audio/mpeg"/>
    </item>
  </channel>
</rss>
"""
RSS_SELF = "http://liftoff.msfc.nasa.gov/rss.xml"


def test_the_rss_checker_accepts_the_spec_example():
    assert rss_problems(RSS_EXAMPLE, RSS_SELF) == []


@pytest.mark.parametrize("old, new, expected", [
    (b"<description>Liftoff to Space Exploration.</description>", b"", "description"),
    (b"<link>http://liftoff.msfc.nasa.gov/</link>", b"<link>/</link>", "not absolute"),
    (b"Tue, 03 Jun 2003 09:39:21 +0000", b"2003-06-03T09:39:21Z", "RFC 822"),
    (b"Tue, 03 Jun 2003 09:39:21 +0000", b"Wed, 03 Jun 2003 09:39:21 +0000", "weekday"),
    (b"<guid>http://liftoff.msfc.nasa.gov/2003/06/03.html#item573</guid>", b"<guid>/2003/06/03.html</guid>",
     "isPermaLink true"),
    (b'length="12216320" ', b"", "enclosure attributes"),
    (b'length="12216320"', b'length="unknown"', "byte count"),
    (b'type="audio/mpeg"', b'type="mpeg"', "MIME"),
    (b"<title>Star City</title>", b"", "title or a description"),
    (b' xmlns:dc="http://purl.org/dc/elements/1.1/"', b' xmlns:dc="http://purl.org/dc/elements/1.0/"', "xmlns:dc"),
    (b"<language>en-us</language>", b"<language>en_US</language>", "language"),
    (b'href="http://liftoff.msfc.nasa.gov/rss.xml"', b'href="http://liftoff.msfc.nasa.gov/other.xml"', "rel=self"),
])
def test_the_rss_checker_rejects_each_rss_2_violation(old, new, expected):
    assert old in RSS_EXAMPLE
    problems = rss_problems(RSS_EXAMPLE.replace(old, new), RSS_SELF)
    assert any(expected in problem for problem in problems), problems


JSON_FEED_EXAMPLE = {
    "version": "https://jsonfeed.org/version/1.1", "title": "My Example Feed",
    "home_page_url": "https://example.org/", "feed_url": "https://example.org/feed.json",
    "authors": [{"name": "Optional Author", "url": "https://example.org/authors/optional-author"}],
    "language": "en-US", "_blue_shed": {"about": "https://blueshed-podcasts.com/json-feed-extension-docs"},
    "items": [
        {"id": "2", "content_text": "This is a second item.", "url": "https://example.org/second-item",
         "language": "es-mx", "date_published": "2010-02-07T14:04:00-05:00",
         "attachments": [{"url": "https://example.org/second-item/audio.ogg", "mime_type": "audio/ogg",
                          "title": "Optional Title", "size_in_bytes": 31415927, "duration_in_seconds": 1800}]},
        {"id": "1", "content_html": "<p>Hello, world!</p>", "url": "https://example.org/initial-post"},
    ],
}


def _json_feed(**changes) -> bytes:
    feed = json.loads(json.dumps(JSON_FEED_EXAMPLE))
    for path, value in changes.items():
        *keys, last = path.split("__")
        target = feed
        for key in keys:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return json.dumps(feed).encode()


def test_the_json_feed_checker_accepts_the_spec_example():
    assert json_feed_problems(_json_feed(), "https://example.org/feed.json") == []


@pytest.mark.parametrize("changes, expected", [
    ({"version": "https://jsonfeed.org/version/1"}, "was expected"),
    ({"title": None}, "'title' is a required property"),
    ({"items__1__id": None}, "'id' is a required property"),
    ({"items__1__content_html": None}, "is not valid under any of the given schemas"),
    ({"items__0__date_published": "2010-02-07 14:04"}, "does not match"),
    ({"items__0__date_published": "2010-02-07T14:04:00"}, "does not match"),
    ({"authors": [{}]}, "is not valid under any of the given schemas"),
    ({"authors": "Me"}, "is not of type 'array'"),
    ({"items__0__attachments__0__mime_type": None}, "'mime_type' is a required property"),
    ({"items__0__tags": "a, b"}, "is not of type 'array'"),
    ({"items__0__summary_html": "<p>x</p>"}, "'summary_html' does not match any of the regexes"),
    ({"items__1__url": "/initial-post"}, "not absolute"),
    ({"language": "en_US"}, "does not match"),
])
def test_the_json_feed_checker_rejects_each_json_feed_violation(changes, expected):
    problems = json_feed_problems(_json_feed(**changes), "https://example.org/feed.json")
    assert any(expected in problem for problem in problems), problems


def test_the_sitemap_checker_knows_the_protocol():
    good = (b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>http://www.example.com/news/?a=1&amp;b=2</loc><lastmod>2005-01-01</lastmod>"
            b"<changefreq>monthly</changefreq><priority>0.8</priority></url></urlset>")
    url = "http://www.example.com/news/sitemap.xml"
    assert sitemap_problems(good, url) == []
    for old, new, expected in [
        (b"0.9", b"0.84", "urlset"),
        (b"http://www.example.com/news/?a", b"/news/?a", "not absolute"),
        (b"http://www.example.com/news/", b"http://www.example.com/", "outside the sitemap's folder"),
        (b"http://www.example.com/news/?a", b"http://www.example.com/news/\xc3\xa9 x?a", "not allowed in a URI"),
        (b"2005-01-01", b"01/01/2005", "W3C Datetime"),
        (b"2005-01-01", b"2005-01-01T10:00", "W3C Datetime"),
        (b"monthly", b"sometimes", "changefreq"),
        (b"0.8", b"1.5", "priority"),
        (b"<lastmod>", b"<loc>http://www.example.com/news/x</loc><lastmod>", "exactly one loc"),
    ]:
        assert old in good
        problems = sitemap_problems(good.replace(old, new), url)
        assert any(expected in problem for problem in problems), (new, problems)


def test_the_head_checker_catches_a_json_ld_break_out_and_wrong_breadcrumbs():
    head = ('<html><head><link rel="canonical" href="https://e.com/a/"><meta property="og:url" content="https://e.com/a/">'
            '<meta property="og:title" content="T"><meta property="article:published_time" '
            'content="2024-01-01T00:00:00+00:00"><script type="application/ld+json">{ld}</script></head>'
            '<body class="article-page"><nav class="breadcrumb"><ol><li><a href="/">Home</a></li>'
            '<li><span>T</span></li></ol></nav><h1>T</h1></body></html>')
    ld = [{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "T", "url": "https://e.com/a/",
           "mainEntityOfPage": "https://e.com/a/", "datePublished": "2024-01-01T00:00:00+00:00"},
          {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
              {"@type": "ListItem", "position": 1, "name": "Home", "item": "https://e.com/"},
              {"@type": "ListItem", "position": 2, "name": "T", "item": "https://e.com/a/"}]}]
    assert article_head_problems(PageReader(head.replace("{ld}", json.dumps(ld)))) == []
    broken = json.dumps(ld).replace('"headline": "T"', '"headline": "</script><b>x"')
    assert any("JSON-LD" in p for p in article_head_problems(PageReader(head.replace("{ld}", broken))))
    renamed = json.dumps(ld).replace('"name": "Home"', '"name": "Start"')
    assert any("names" in p for p in article_head_problems(PageReader(head.replace("{ld}", renamed))))
    gap = json.dumps(ld).replace('"position": 2', '"position": 3')
    assert any("positions" in p for p in article_head_problems(PageReader(head.replace("{ld}", gap))))
    long_headline = json.dumps(ld).replace('"headline": "T"', '"headline": "' + "T" * 111 + '"')
    assert any("110" in p for p in article_head_problems(PageReader(head.replace("{ld}", long_headline))))
    two = head.replace("<link rel", '<link rel="canonical" href="https://e.com/b/"><link rel')
    assert article_head_problems(PageReader(two.replace("{ld}", json.dumps(ld)))) == ["2 rel=canonical links"]


# ============================================================================ Atom

@pytest.mark.parametrize("name", HOSTED)
def test_every_atom_feed_is_valid_rfc_4287(sites, name):
    site = sites(name)
    assert site.feed_names()
    for feed in site.feed_names():
        assert atom_problems(site.read(feed), site.url(feed)) == [], feed


@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_atom_feeds_of_a_site_without_a_host_pass_the_schema(sites, name):
    """Relative references are allowed except in atom:id (see the xfail test for the ids)."""
    site = sites(name)
    for feed in site.feed_names():
        problems = atom_problems(site.read(feed), site.url(feed), absolute=False)
        assert [p for p in problems if not p.startswith("atom:id: not absolute")] == [], feed


@pytest.mark.parametrize("name", ALL)
def test_atom_entries_are_the_newest_articles_and_carry_their_content(sites, name):
    site = sites(name)
    root = parse_xml(site.read("atom.xml"))
    expected = [r["title"] for r in site.articles_in_search_index()][:site.items]
    entries = root.findall("a:entry", A)
    assert [as_read(t) for t in expected] == [e.findtext("a:title", namespaces=A) for e in entries]
    records = site.articles_in_search_index()[:site.items]
    for entry, record in zip(entries, records):
        alternates = [link.attrib for link in entry.findall("a:link", A) if link.get("rel", "alternate") == "alternate"]
        assert alternates == [{"rel": "alternate", "type": "text/html", "href": site.origin + record["url"]}]
        assert entry.findtext("a:id", namespaces=A) == site.origin + record["url"]
        assert entry.findtext("a:published", namespaces=A) == record["date"]
    for entry in entries:
        content = entry.find("a:content", A)
        assert (content is not None) == site.full_content
        if content is not None:
            assert content.get("type") == "html" and content.text
        summary = entry.find("a:summary", A)
        assert summary is None or (summary.get("type") in (None, "text") and summary.text)
        if content is None:  # RFC 4287 §4.1.1.1: advisable to have a non-empty summary
            assert entry.find("a:link[@rel='alternate']", A) is not None


def test_feed_level_author_appears_only_when_an_entry_lacks_one(sites):
    hostile = parse_xml(sites("hostile").read("atom.xml"))  # no site author; some articles have none
    assert hostile.findtext("a:author/a:name", namespaces=A) == as_read(SITE_TITLE)
    with_author = parse_xml(sites("hostile-summaries").read("atom.xml"))  # site author fills every entry
    assert with_author.find("a:author", A) is None
    assert all(e.find("a:author", A) is not None for e in with_author.findall("a:entry", A))


# ============================================================================ RSS

@pytest.mark.parametrize("name", HOSTED)
def test_rss_is_valid_rss_2(sites, name):
    site = sites(name)
    assert rss_problems(site.read("rss.xml"), site.url("rss.xml")) == []


@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_rss_of_a_site_without_a_host_is_otherwise_valid(sites, name):
    site = sites(name)
    problems = rss_problems(site.read("rss.xml"), site.url("rss.xml"), absolute=False)
    assert [p for p in problems if "isPermaLink true" not in p] == []


def test_rss_declares_exactly_the_namespaces_it_uses(sites):
    site = sites("hostile")
    root = parse_xml(site.read("rss.xml"))
    used = {element.prefix for element in root.iter(etree.Element) if element.prefix}
    assert used <= set(RSS_NAMESPACES)
    assert {prefix: root.nsmap[prefix] for prefix in used} == {p: RSS_NAMESPACES[p] for p in used}
    assert {"atom", "dc", "content", "media"} <= used  # the hostile site has authors, images and full content


@pytest.mark.parametrize("name", HOSTED)
def test_rss_enclosures_point_at_built_images_with_their_type(sites, name):
    site = sites(name)
    enclosures = parse_xml(site.read("rss.xml")).findall("channel/item/enclosure")
    if name != "demo":
        assert enclosures
    for enclosure in enclosures:
        path = site.file_for(enclosure.get("url"))
        assert path is not None and path.is_file(), enclosure.get("url")
        assert enclosure.get("type") == {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                                         ".webp": "image/webp", ".gif": "image/gif"}[path.suffix.lower()]


# ============================================================================ JSON Feed

@pytest.mark.parametrize("name", HOSTED)
def test_json_feed_is_valid_json_feed_1_1(sites, name):
    site = sites(name)
    assert json_feed_problems(site.read("feed.json"), site.url("feed.json")) == []


@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_json_feed_of_a_site_without_a_host_passes_the_schema(sites, name):
    site = sites(name)
    assert json_feed_problems(site.read("feed.json"), site.url("feed.json"), absolute=False) == []


@pytest.mark.parametrize("name", ALL)
def test_json_feed_items_match_the_articles_exactly(sites, name):
    site = sites(name)
    feed = json.loads(site.read("feed.json"))
    records = site.articles_in_search_index()[:site.items]
    assert [item["title"] for item in feed["items"]] == [r["title"] for r in records]  # JSON keeps every character
    assert [item["url"] for item in feed["items"]] == [site.origin + r["url"] for r in records]
    assert feed["language"] == site.language
    for item, record in zip(feed["items"], records):
        assert ("content_html" in item) == site.full_content and ("content_text" in item) != site.full_content
        if "content_text" in item:
            assert item["content_text"] == record["summary"]
        assert item["date_published"] == record["date"]
        for url in [item.get("image")] + [a["url"] for a in item.get("authors", ())]:
            if url:
                assert site.file_for(url) is not None and site.file_for(url).is_file(), url


# ============================================================================ feedparser, as readers see the feeds

@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("feed", ["atom.xml", "rss.xml"])
def test_feedparser_reads_every_title_back_exactly(sites, name, feed):
    site = sites(name)
    parsed = feedparser.parse(site.read(feed))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == {"atom.xml": "atom10", "rss.xml": "rss20"}[feed]
    records = site.articles_in_search_index()[:site.items]
    assert len(parsed.entries) == len(records)
    # Characters XML 1.0 cannot hold at all are dropped (by design); everything else survives.
    assert [e.title for e in parsed.entries] == [as_read(r["title"]) for r in records]
    assert [e.link for e in parsed.entries] == [site.origin + r["url"] for r in records]
    if name.startswith("hostile"):
        assert parsed.feed.title == as_read(SITE_TITLE)
        assert [e.title for e in parsed.entries] == [as_read(t) for t in HOSTILE_TITLES][:site.items]


@pytest.mark.parametrize("name", ["hostile", "hostile-summaries"])
def test_feedparser_reads_hostile_names_tags_and_atom_summaries_back(sites, name):
    site = sites(name)
    atom, rss = (feedparser.parse(site.read(f)) for f in ("atom.xml", "rss.xml"))
    assert [a.name for a in atom.entries[0].authors] == [AUTHOR] == [rss.entries[0].author]
    assert [t.term for t in atom.entries[0].tags] == [TAG, "Plain"] == [t.term for t in rss.entries[0].tags]
    assert atom.entries[1].summary == SUMMARY_MARKUP  # Atom summaries are type="text": markup stays text
    assert atom.entries[2].summary.strip() == SUMMARY_LONG.strip()
    for feed in (atom, rss):
        enclosure = feed.entries[0].enclosures[0]
        assert enclosure.href == site.url("images/hero.jpg") and enclosure.type == "image/jpeg"
    if site.full_content:
        assert atom.entries[0].content[0].value == rss.entries[0].content[0].value
        assert atom.entries[0].content[0].value.startswith("<p>Body &amp; <b>bold</b> ]]&gt; with a")


# ============================================================================ sitemap and robots.txt

@pytest.mark.parametrize("name", HOSTED)
def test_sitemap_follows_the_sitemaps_org_protocol(sites, name):
    site = sites(name)
    assert sitemap_problems(site.read("sitemap.xml"), site.url("sitemap.xml")) == []


@pytest.mark.parametrize("name", HOSTED)
def test_sitemap_lists_every_canonical_page_and_nothing_else(sites, name):
    site = sites(name)
    root = parse_xml(site.read("sitemap.xml"))
    locs = [url.findtext("s:loc", namespaces={"s": SITEMAP_NS}) for url in root]
    for loc in locs:
        path = site.file_for(loc)
        assert path is not None and path.is_file(), loc
        page = PageReader(path.read_text(encoding="utf-8"))
        assert page.rel("canonical") == [loc], loc  # only canonical URLs belong in a sitemap
        assert "noindex" not in " ".join(page.meta("robots")), loc
    canonical = set()
    for path in site.html_files():
        page = PageReader(path.read_text(encoding="utf-8"))
        if "noindex" not in " ".join(page.meta("robots")) and page.rel("canonical"):
            canonical.update(page.rel("canonical"))
    assert canonical == set(locs)


@pytest.mark.parametrize("name", ALL)
def test_robots_txt_names_the_sitemap_by_its_full_url_only(sites, name):
    site = sites(name)
    lines = site.read("robots.txt").decode("utf-8").splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    sitemap_lines = [line for line in lines if line.lower().startswith("sitemap:")]
    if site.origin:
        assert sitemap_lines == [f"Sitemap: {site.url('sitemap.xml')}"]
        assert http_url_problems(sitemap_lines[0].split(":", 1)[1].strip(), "Sitemap") == []
    else:
        assert sitemap_lines == []  # RFC 9309 / sitemaps.org: a relative Sitemap line is ignored


# ============================================================================ HTML head of article pages

@pytest.mark.parametrize("name", HOSTED)
def test_article_heads_have_canonical_open_graph_and_json_ld(sites, name):
    site = sites(name)
    pages = site.article_pages()
    assert len(pages) == len(site.articles_in_every_language())
    problems = {str(path.relative_to(site.out)): article_head_problems(page) for path, page in pages}
    assert {path: p for path, p in problems.items() if p} == {}


@pytest.mark.parametrize("name", ALL)
def test_every_page_but_the_404_has_exactly_one_canonical(sites, name):
    site = sites(name)
    for path in site.html_files():
        page = PageReader(path.read_text(encoding="utf-8"))
        expected = 0 if path.name == "404.html" else 1  # /404.html, and /en/404.html on a multilingual site
        assert len(page.rel("canonical")) == expected, path
        assert len(page.json_ld) <= 1, path


def test_hostile_titles_stay_inside_json_ld_and_head_attributes(sites):
    site = sites("hostile")
    pages = {page.h1.strip(): (path, page) for path, page in site.article_pages()}
    assert {as_read(t) for t in HOSTILE_TITLES} == set(pages)
    for title, (path, page) in pages.items():
        html = path.read_text(encoding="utf-8")
        assert html.count("<script") == len(page.raw_script_types)
        assert "<script>alert(1)" not in html
        article = next(n for n in json.loads(page.json_ld[0]) if n["@type"] == "NewsArticle")
        assert article["headline"] == title[:110]
        assert page.meta("og:title") == [title] == page.meta("twitter:title")
    long_article = next(n for n in json.loads(pages[TITLE_LONG][1].json_ld[0]) if n["@type"] == "NewsArticle")
    assert len(TITLE_LONG) > 110 and len(long_article["headline"]) == 110
    assert [crumb.strip() for crumb in pages[TITLE_LONG][1].crumbs] == ["Start", "Mid & <x>", TITLE_LONG]


# ============================================================================ search index and feed links

@pytest.mark.parametrize("name", ALL)
def test_search_index_urls_resolve_to_built_pages(sites, name):
    site = sites(name)
    records = json.loads(site.read("search-index.json"))
    assert records and all(set(r) == {"title", "url", "date", "section", "tags", "summary"} for r in records)
    for record in records:
        assert record["url"].startswith(site.base_path), record
        path = site.out / (unquote(record["url"][len(site.base_path):]) + "index.html")
        assert path.is_file(), record["url"]
        assert PageReader(path.read_text(encoding="utf-8")).h1.strip() == record["title"]
        if record["date"] is not None:
            assert rfc3339_problems(record["date"], "date") == []


@pytest.mark.parametrize("name", ALL)
def test_feed_links_in_page_heads_resolve_to_the_feeds(sites, name):
    site = sites(name)
    page = PageReader((site.out / "index.html").read_text(encoding="utf-8"))
    alternates = {link["type"]: link["href"] for link in page.links
                  if link.get("rel") == "alternate" and "hreflang" not in link}
    assert alternates == {"application/atom+xml": site.url("atom.xml"), "application/rss+xml": site.url("rss.xml"),
                          "application/feed+json": site.url("feed.json")}
    for href in alternates.values():
        assert site.file_for(href).is_file()


# ============================================================================ known violations (bugs to fix in src/)

def _build_small(tmp_path, files: dict[str, str | bytes]) -> Path:
    site_dir = make_site(tmp_path, files)
    run = build_site(site_dir)
    assert run.code == 0, run.err
    return site_dir / "public"


@pytest.mark.xfail(strict=True, reason="outputs.py _atom: with a path-only base_url atom:id is '/news/world/one/', "
                   "a relative reference; RFC 4287 §4.2.6 requires an IRI, which excludes relative references")
@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_atom_ids_are_absolute_iris_without_a_host(sites, name):
    site = sites(name)
    root = parse_xml(site.read("atom.xml"))
    ids = [root.findtext("a:id", namespaces=A)] + [e.findtext("a:id", namespaces=A) for e in root.iterfind("a:entry", A)]
    assert [p for value in ids for p in uri_problems(value, "atom:id", absolute=True, iri=True)] == []


@pytest.mark.xfail(strict=True, reason="outputs.py _rss: with a path-only base_url every item has "
                   "<guid isPermaLink=\"true\">/world/one/</guid>; a permalink guid must be a full URL (RSS 2.0)")
@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_rss_permalink_guids_are_full_urls_without_a_host(sites, name):
    site = sites(name)
    assert [p for p in rss_problems(site.read("rss.xml"), site.url("rss.xml"), absolute=False)
            if "isPermaLink" in p] == []


@pytest.mark.parametrize("name", ["path-root", "path-sub"])
def test_without_a_host_there_is_no_sitemap_and_robots_names_none(sites, name):
    """sitemaps.org wants full URLs: with a path-only base_url no sitemap can be valid, so none is written."""
    site = sites(name)
    assert not (site.out / "sitemap.xml").exists()
    assert b"Sitemap:" not in site.read("robots.txt")


def test_rss_descriptions_keep_plain_text_summaries_as_text(sites):
    site = sites("hostile")
    rss = feedparser.parse(site.read("rss.xml"))
    assert rss.entries[1].summary == html_escape_text(SUMMARY_MARKUP)


def html_escape_text(text: str) -> str:
    """How feedparser shows plain text that was correctly escaped as HTML: entities kept."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_image_urls_are_percent_encoded(tmp_path):
    out = _build_small(tmp_path, {
        "assets/images/my photo é.png": image_bytes(),
        "content/world/one.md": front_matter("One.", title="One", date="2024-01-02",
                                             image=yq("/images/my photo é.png"), image_alt="x"),
    })
    problems = atom_problems((out / "atom.xml").read_bytes(), "https://news.example.com/atom.xml")
    problems += rss_problems((out / "rss.xml").read_bytes(), "https://news.example.com/rss.xml")
    problems += article_head_problems(PageReader((out / "world/one/index.html").read_text(encoding="utf-8")))
    assert problems == []


def test_scheme_relative_images_become_absolute(tmp_path):
    out = _build_small(tmp_path, {
        "content/world/one.md": front_matter("One.", title="One", date="2024-01-02",
                                             image="//cdn.example.org/x.jpg", image_alt="x"),
    })
    problems = rss_problems((out / "rss.xml").read_bytes(), "https://news.example.com/rss.xml")
    problems += article_head_problems(PageReader((out / "world/one/index.html").read_text(encoding="utf-8")))
    assert problems == []


def test_full_content_feeds_have_no_relative_links(tmp_path):
    out = _build_small(tmp_path, {
        "site.yaml": "title: T\nbase_url: https://example.com/news/\nfeeds: {full_content: true}\n",
        "assets/images/x.jpg": image_bytes("JPEG"),
        "content/world/photo.png": image_bytes(),
        "content/world/one.md": front_matter(
            "![a](/images/x.jpg) ![b](photo.png) [c](../two/) [d](/world/)", title="One", date="2024-01-02"),
    })
    htmls = [parse_xml((out / "atom.xml").read_bytes()).findtext("a:entry/a:content", namespaces=A),
             parse_xml((out / "rss.xml").read_bytes()).findtext("channel/item/content:encoded",
                                                                 namespaces=RSS_NAMESPACES),
             json.loads((out / "feed.json").read_bytes())["items"][0]["content_html"]]
    relative = [url for html in htmls for url in re.findall(r'(?:src|href)="([^"]*)"', html)
                if not SCHEME.match(url)]
    assert relative == []


def test_language_with_an_underscore_becomes_a_bcp_47_tag(tmp_path):
    out = _build_small(tmp_path, {
        "site.yaml": "title: T\nbase_url: https://news.example.com/\nlanguage: pt_BR\n",
        "content/world/one.md": front_matter("Um.", title="Um", date="2024-01-02"),
    })
    problems = atom_problems((out / "atom.xml").read_bytes(), "https://news.example.com/atom.xml")
    problems += rss_problems((out / "rss.xml").read_bytes(), "https://news.example.com/rss.xml")
    problems += json_feed_problems((out / "feed.json").read_bytes(), "https://news.example.com/feed.json")
    html_lang = re.search(r'<html lang="([^"]*)"', (out / "index.html").read_text(encoding="utf-8")).group(1)
    problems += language_problems(html_lang, "<html lang>")
    assert problems == []


@pytest.mark.xfail(strict=True, reason="outputs.py _rfc3339/format_datetime: dates before a zone's standard time "
                   "(1890 in Europe/Madrid) have a seconds offset: '-00:14:44' in Atom/JSON Feed/sitemap and "
                   "'-001444' in RSS; RFC 3339 offsets are hh:mm and RFC 822 zones are four digits")
def test_historic_dates_get_offsets_feeds_can_carry(tmp_path):
    out = _build_small(tmp_path, {
        "site.yaml": "title: T\nbase_url: https://news.example.com/\ntimezone: Europe/Madrid\n",
        "content/world/old.md": front_matter("Old.", title="Old", date="1890-01-01"),
    })
    problems = atom_problems((out / "atom.xml").read_bytes(), "https://news.example.com/atom.xml")
    problems += rss_problems((out / "rss.xml").read_bytes(), "https://news.example.com/rss.xml")
    problems += json_feed_problems((out / "feed.json").read_bytes(), "https://news.example.com/feed.json")
    problems += sitemap_problems((out / "sitemap.xml").read_bytes(), "https://news.example.com/sitemap.xml")
    assert problems == []


@pytest.mark.xfail(strict=True, reason="seo.py article_json_ld: a breadcrumb entry with no URL (front matter "
                   "'breadcrumb: [Home, Unknown]') becomes a ListItem without 'item'; Google's BreadcrumbList rules "
                   "require 'item' on every ListItem but the last")
def test_every_breadcrumb_but_the_last_has_an_item(tmp_path):
    out = _build_small(tmp_path, {
        "content/world/one.md": front_matter("One.", title="One", date="2024-01-02", breadcrumb="[Home, Unknown]"),
    })
    page = PageReader((out / "world/one/index.html").read_text(encoding="utf-8"))
    crumbs = next(n for n in json.loads(page.json_ld[0]) if n["@type"] == "BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Home", "Unknown", "One"]
    assert all("item" in crumb for crumb in crumbs)


def test_news_article_always_has_an_author(tmp_path):
    out = _build_small(tmp_path, {"content/world/one.md": front_matter("One.", title="One", date="2024-01-02")})
    page = PageReader((out / "world/one/index.html").read_text(encoding="utf-8"))
    article = next(n for n in json.loads(page.json_ld[0]) if n["@type"] == "NewsArticle")
    assert article.get("author")


@pytest.mark.xfail(strict=True, reason="layouts/page.html: standalone pages publish a JSON-LD BreadcrumbList "
                   "('Home > About') but show no breadcrumb; structured data must describe visible content")
def test_page_breadcrumb_json_ld_matches_a_visible_breadcrumb(tmp_path):
    out = _build_small(tmp_path, {"content/pages/about.md": front_matter("About.", title="About"),
                                  "content/world/one.md": front_matter("One.", title="One", date="2024-01-02")})
    page = PageReader((out / "about/index.html").read_text(encoding="utf-8"))
    nodes = json.loads(page.json_ld[0])
    crumbs = [n for n in nodes if n["@type"] == "BreadcrumbList"]
    assert not crumbs or [c["name"] for c in crumbs[0]["itemListElement"]] == page.crumbs


def test_html_pages_have_no_control_characters(sites):
    site = sites("hostile")
    bad = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
    offenders = [str(p.relative_to(site.out)) for p in site.html_files() if bad.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_a_carriage_return_in_a_title_reads_as_a_space_everywhere(tmp_path):
    """sitegen reads control characters in titles (CR too) as spaces, so feeds and pages agree."""
    out = _build_small(tmp_path, {
        "content/world/one.md": front_matter("One.", title=yq("Line\rbreak"), date="2024-01-02"),
    })
    assert feedparser.parse((out / "atom.xml").read_bytes()).entries[0].title == "Line break"
    assert "<h1>Line break</h1>" in (out / "world/one/index.html").read_text(encoding="utf-8")


@pytest.mark.xfail(strict=True, reason="config.py origin: an internationalized host ('exämple.com') is kept as "
                   "Unicode in sitemap <loc> and RSS links; sitemaps.org and RSS need URLs (RFC 3986): the host "
                   "must be IDNA-encoded ('xn--exmple-cua.com')")
def test_an_internationalized_host_is_idna_encoded_in_sitemap_and_rss(tmp_path):
    out = _build_small(tmp_path, {
        "site.yaml": "title: T\nbase_url: https://exämple.com/\n",
        "content/world/one.md": front_matter("One.", title="One", date="2024-01-02"),
    })
    problems = sitemap_problems((out / "sitemap.xml").read_bytes(), "https://xn--exmple-cua.com/sitemap.xml")
    problems += rss_problems((out / "rss.xml").read_bytes(), "https://xn--exmple-cua.com/rss.xml")
    assert problems == []


@pytest.mark.xfail(strict=True, reason="outputs.py _image: the RSS enclosure says length=\"0\" and the Atom "
                   "enclosure link has no length, although the image is a local file of known size; RSS 2.0 defines "
                   "length as the size in bytes and RFC 4287 §4.2.7.2 says enclosures SHOULD carry a length")
def test_enclosures_of_local_images_give_their_size(sites):
    site = sites("hostile")
    size = (site.out / "images/hero.jpg").stat().st_size
    rss = parse_xml(site.read("rss.xml")).find("channel/item/enclosure")
    atom = parse_xml(site.read("atom.xml")).find("a:entry/a:link[@rel='enclosure']", A)
    assert (rss.get("length"), atom.get("length")) == (str(size), str(size))


# At d04a178 render.py's listing-title dict evaluated listing.articles[0] for every listing, so a site without
# articles crashed with IndexError before writing the empty feeds outputs.py is written to produce.
@pytest.mark.parametrize("files", [{"content/pages/about.md": front_matter("About.", title="About")},
                                   {"content/.keep": ""}], ids=["only-a-page", "no-content"])
def test_a_site_without_articles_builds_valid_empty_feeds(tmp_path, files):
    out = _build_small(tmp_path, files)
    assert atom_problems((out / "atom.xml").read_bytes(), "https://news.example.com/atom.xml") == []
    assert rss_problems((out / "rss.xml").read_bytes(), "https://news.example.com/rss.xml") == []
    assert json_feed_problems((out / "feed.json").read_bytes(), "https://news.example.com/feed.json") == []
    assert feedparser.parse((out / "atom.xml").read_bytes()).entries == []
