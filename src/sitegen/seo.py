"""Structured data for search engines: JSON-LD NewsArticle and BreadcrumbList.

The JSON is made safe to sit inside a <script> element: '<', '>' and '&'
are written as \\u escapes, so a headline like '</script><script>…' stays
text.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .article import Article
from .config import SiteConfig
from .languages import Language
from .urls import absolute

if TYPE_CHECKING:
    from .views import Crumb


def script_json(data: Any) -> Markup:
    """JSON that cannot end the <script> element it is written in."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
                  .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def article_json_ld(article: Article, breadcrumb: tuple[Crumb, ...], config: SiteConfig, language: Language,
                    url: str) -> Markup:
    """NewsArticle (WebPage for a standalone page) and BreadcrumbList; the publisher is the edition of
    `language`, the article's own."""
    origin = config.origin
    page_url = absolute(origin, url)
    news: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "WebPage" if article.is_page else "NewsArticle",
        "headline": article.title[:110],
        "description": article.summary,
        "url": page_url,
        "mainEntityOfPage": page_url,
        "inLanguage": language.code,
        "publisher": {"@type": "Organization", "name": language.title,
                      "url": absolute(origin, config.base_path + language.path)},
    }
    if article.date:
        news["datePublished"] = article.date.isoformat()
        news["dateModified"] = (article.updated or article.date).isoformat()
    if not article.authors:  # search engines want an author: the publication itself
        news["author"] = [{"@type": "Organization", "name": language.title}]
    else:
        news["author"] = [{"@type": "Person", "name": a.name, **({} if article.is_page else {"url": absolute(origin, a.url)})}
                          for a in article.authors]  # pages are not listed on author pages
    image = article.image or article.social_image
    if image:
        news["image"] = [absolute(origin, image.url)]
    if article.section:
        news["articleSection"] = article.section.name
    if article.tags:
        news["keywords"] = [tag.name for tag in article.tags]
    crumbs = {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": crumb.title,
             **({"item": absolute(origin, crumb.url or url)} if crumb.url or position == len(breadcrumb) else {})}
            for position, crumb in enumerate(breadcrumb, 1)
        ],
    }
    return script_json([news, crumbs])
