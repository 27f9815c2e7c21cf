"""One engine for `build` and `serve`: after any series of edits, to any front matter field, site.yaml, the
interface strings or the layouts, both write exactly what a clean build writes."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINIMAL_CONFIG, article, clean_build, make_site, png, tree
from sitegen.build import Builder, build
from sitegen.config import BuildOptions

LANGUAGES = "language: en\nlanguages:\n  en: {title: Test News}\n  ca: {title: Notícies}\n"


def story(n: int, **fields: str) -> str:
    return article(f"Story {n}", f"2024-05-{n + 1:02d}", tags="[Common]", body=f"Text {n} topic.", **fields)


def _field_edits():
    """Each front matter field an author edits, set on one article (and some set back)."""
    def field(n, **fields):
        def step(site):
            (site / f"content/world/s{n}.md").write_text(story(n, **fields))
        step.__name__ = f"s{n}: {fields}"
        return step

    steps = []
    for n in range(3):
        steps += [
            field(n, subtitle=f"A subtitle {n}"),
            field(n, breadcrumb="[Inici, World]"),
            field(n, breadcrumb="[Home, {title: Elsewhere, url: /science/}]"),
            field(n, image="/images/hero.png", image_alt=f"The hero {n}"),
            field(n, image="/images/hero.png", image_alt="Another alt text"),
            field(n, aliases=f"[/old/s{n}/, /older/s{n}.html]"),
            field(n, translation_key=f"key-{n}"),  # (then no longer linked to the Catalan s0 by its file name)
            field(n, kicker=f"Kicker {n}"),  # an unknown key: page.extra
            field(n, draft="true"),
            field(n, summary=f"A summary of its own {n}."),
            field(n),  # back as it was
        ]
        steps.append(lambda site, n=n: (site / f"content/world/s{n}.md").write_text(
            article(f"Story {n}", "2099-01-01", tags="[Common]", body=f"Text {n} topic.")))  # into the future
        steps.append(lambda site, n=n: (site / f"content/world/s{n}.md").write_text(
            article(f"Retitled story {n}", f"2024-05-{n + 1:02d}", tags="[Common]", body=f"Text {n} topic.")))
    return steps


def _site_edits():
    def translate(site):
        (site / "content/world/s0.ca.md").write_text(article("Notícia", "2024-05-01", body="Text en català."))

    def site_yaml(site):
        (site / "site.yaml").write_text((site / "site.yaml").read_text().replace("Test News", "Other News"))

    def strings(site):
        (site / "i18n").mkdir(exist_ok=True)
        (site / "i18n/en.yaml").write_text("you_may_also_like: More stories\n")

    def kicker_layout(site):  # a layout of the site's own that shows page.extra
        (site / "layouts/partials").mkdir(parents=True, exist_ok=True)
        (site / "layouts/partials/related.html").write_text('<p class="kicker">{{ page.extra.kicker }}</p>\n')

    def unlayout(site):
        shutil.rmtree(site / "layouts", ignore_errors=True)

    def new_article(site):
        (site / "content/science/y.md").write_text(article("Another", "2024-02-02", body="More topic words."))

    return [translate, site_yaml, strings, kicker_layout, unlayout, new_article]


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.sampled_from(_field_edits() + _site_edits()), min_size=1, max_size=6),
       languages=st.sampled_from(["", LANGUAGES]))
def test_build_and_serve_write_what_a_clean_build_writes_after_any_edits(tmp_path_factory, trust_at_once, edits,
                                                                           languages):
    root = tmp_path_factory.mktemp("engine")
    site = make_site(root, {"site.yaml": MINIMAL_CONFIG + languages,
                            **{f"content/world/s{n}.md": story(n) for n in range(4)},
                            "content/science/x.md": article("Science", "2024-01-01", body="Science topic."),
                            "assets/images/hero.png": png(64, 32)})
    preview = BuildOptions(drafts=False, fingerprint=False)  # as `sitegen serve` builds, with plain asset names
    served = Builder(site, root / "served", preview, resident=True)  # kept for the whole series, as serve keeps it
    build(site)
    served.build()
    for edit in edits:
        edit(site)
        build(site)
        assert tree(site / "public") == clean_build(site, root / "clean"), edit
        served.build()
        assert tree(root / "served") == clean_build(site, root / "clean", preview), edit
