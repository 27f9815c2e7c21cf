"""Menus (`menus:` in site.yaml): entries pointing at sections, pages, tags and addresses, in each language,
with the current page marked, and what the default theme does without them. Errors: tests/invalid_sites/."""

import re

import pytest

from conftest import MINIMAL_CONFIG, article, build_site, make_site

MENUS = """\
menus:
  main:
    - {name: Home, page: /, weight: -10}
    - {name: World news, page: world, identifier: world}
    - {name: Energy, page: tags/energy, parent: world}
    - {name: About us, page: pages/about.md, weight: 5}
    - {name: Newsletter, url: "https://lists.example.org/join?x=1&y=2", weight: 10}
    - {page: economy}
  footer:
    - {name: Contact, url: /contact/}
    - {name: Every tag, page: tags}
"""

FILES = {
    "content/world/harbour.md": article("Harbour reopens", "2024-06-10", tags="[Energy]"),
    "content/economy/rates.md": article("Rates rise", "2024-06-09"),
    "content/pages/about.md": "---\ntitle: About this paper\n---\n\nWho we are.\n",
    "content/pages/contact.md": "---\ntitle: Contact\n---\n\nWrite to us.\n",
}


def nav(html: str) -> str:
    return html[html.index('<nav class="site-nav"'):html.index("</nav>")]


def links(fragment: str) -> list[tuple[str, str, str]]:
    """(href, aria-current or '', text) of each link."""
    return [(href, current, text) for href, current, text in
            re.findall(r'<a href="([^"]*)"(?: aria-current="([^"]*)")?[^>]*>([^<]*)</a>', fragment)]


@pytest.fixture
def built(tmp_path):
    site = make_site(tmp_path, {"site.yaml": MINIMAL_CONFIG + "sections: {economy: Economy}\n" + MENUS, **FILES})
    run = build_site(site)
    assert run.code == 0, run.err
    return site / "public"


def test_the_main_menu_lists_its_entries_by_weight_with_their_targets(built):
    entries = links(nav((built / "index.html").read_text()))
    assert [(href, text) for href, _, text in entries] == [
        ("/", "Home"), ("/world/", "World news"), ("/tags/energy/", "Energy"), ("/economy/", "Economy"),
        ("/about/", "About us"), ("https://lists.example.org/join?x=1&amp;y=2", "Newsletter")]
    html = (built / "index.html").read_text()
    assert 'rel="external">Newsletter' in html
    # Energy is nested under World news
    assert re.search(r'World news</a><ul>\s*<li><a href="/tags/energy/">Energy</a></li>\s*</ul>', html)


def test_the_current_page_and_its_section_are_marked(built):
    marked = {text: current for _, current, text in links(nav((built / "about/index.html").read_text()))}
    assert marked["About us"] == "page" and not marked["World news"] and not marked["Home"]
    marked = {text: current for _, current, text in links(nav((built / "world/harbour/index.html").read_text()))}
    assert marked["World news"] == "true" and not marked["About us"]
    marked = {text: current for _, current, text in links(nav((built / "world/index.html").read_text()))}
    assert marked["World news"] == "page"


def test_the_footer_menu_is_rendered_in_the_footer(built):
    html = (built / "index.html").read_text()
    footer = html[html.index('<nav class="footer-menu"'):]
    assert links(footer[:footer.index("</nav>")]) == [("/contact/", "", "Contact"), ("/tags/", "", "Every tag")]


def test_the_navigation_folds_behind_a_menu_button(built):
    html = (built / "index.html").read_text()
    assert re.search(r'<details class="site-menu">\s*<summary>Menu</summary>\s*<nav class="site-nav"', html)


def test_without_menus_the_sections_are_the_navigation(tmp_path):
    site = make_site(tmp_path, FILES)
    assert build_site(site).code == 0
    entries = links(nav((site / "public/world/harbour/index.html").read_text()))
    assert entries == [("/economy/", "", "Economy"), ("/world/", "true", "World")]
    assert "footer-menu" not in (site / "public/index.html").read_text()


def test_menu_links_work_under_a_base_path(tmp_path):
    config = MINIMAL_CONFIG.replace("https://news.example.com/", "https://example.com/news/")
    site = make_site(tmp_path, {"site.yaml": config + MENUS, **FILES})
    assert build_site(site).code == 0, build_site(site).err
    hrefs = [href for href, _, _ in links(nav((site / "public/index.html").read_text()))]
    assert hrefs[:3] == ["/news/", "/news/world/", "/news/tags/energy/"]
    assert "https://lists.example.org/join?x=1&amp;y=2" in hrefs


MULTILINGUAL = """\
languages:
  ca: {title: El Diari, sections: {world: Món}}
  en: {title: The Daily}
menus:
  main:
    - {page: world}
    - name: {ca: Qui som, en: About us}
      page: pages/about
    - {name: {ca: Butlletí}, url: /newsletter/}
"""


def test_each_language_has_its_labels_and_its_own_pages(tmp_path):
    site = make_site(tmp_path, {
        "site.yaml": MINIMAL_CONFIG + MULTILINGUAL,
        "content/world/port.md": article("El port reobre", "2024-06-10"),
        "content/world/port.en.md": article("The harbour reopens", "2024-06-10"),
        "content/pages/about.md": "---\ntitle: Qui som\n---\n\nText.\n",
        "content/pages/about.en.md": "---\ntitle: About us\n---\n\nText.\n",
    })
    run = build_site(site)
    assert run.code == 0, run.err
    catalan = links(nav((site / "public/index.html").read_text()))
    english = links(nav((site / "public/en/index.html").read_text()))
    assert [(h, t) for h, _, t in catalan] == [("/world/", "Món"), ("/about/", "Qui som"),
                                               ("/newsletter/", "Butlletí")]
    # English: its own section and page; a label given only in Catalan is used for every language
    assert [(h, t) for h, _, t in english] == [("/en/world/", "World"), ("/en/about/", "About us"),
                                               ("/newsletter/", "Butlletí")]


def test_a_page_missing_in_one_language_links_to_the_one_there_is(tmp_path):
    site = make_site(tmp_path, {
        "site.yaml": MINIMAL_CONFIG + MULTILINGUAL,
        "content/world/port.md": article("El port reobre", "2024-06-10"),
        "content/world/port.en.md": article("The harbour reopens", "2024-06-10"),
        "content/pages/about.md": "---\ntitle: Qui som\n---\n\nText.\n",
    })
    assert build_site(site).code == 0
    english = links(nav((site / "public/en/index.html").read_text()))
    assert ("/about/", "", "About us") in english


def test_a_menu_edit_rebuilds_every_page_that_shows_it(tmp_path):
    site = make_site(tmp_path, {"site.yaml": MINIMAL_CONFIG + MENUS, **FILES})
    assert build_site(site).code == 0
    (site / "site.yaml").write_text(MINIMAL_CONFIG + MENUS.replace("About us", "Who we are"))
    assert build_site(site).code == 0
    for page in ("index.html", "world/harbour/index.html", "tags/index.html", "404.html"):
        assert ">Who we are</a>" in (site / "public" / page).read_text()


def test_a_menu_entry_for_an_article_left_out_is_left_out_with_a_warning_that_says_why(tmp_path):
    site = make_site(tmp_path, {
        "site.yaml": MINIMAL_CONFIG + "menus:\n  main:\n    - {name: Soon, page: world/soon}\n"
                                      "    - {name: Gone, page: world/gone}\n    - {name: World, page: world}\n",
        "content/world/soon.md": article("Soon", "2024-06-10", draft="true"),
        "content/world/gone.md": article("Gone", "2024-06-10", expires="2024-06-11"),
        "content/world/here.md": article("Here", "2024-06-10"),
    })
    run = build_site(site)
    assert run.code == 0, run.err
    assert ("site.yaml:6: warning: menu 'main' links to 'world/soon', a draft, so the entry is left out of this "
            "build") in run.err
    assert "site.yaml:7: warning: menu 'main' links to 'world/gone', an expired article" in run.err
    assert [text for _, _, text in links(nav((site / "public/index.html").read_text()))] == ["World"]
    assert build_site(site, "--drafts").code == 0
    assert "Soon" in nav((site / "public/index.html").read_text())


def test_a_page_is_named_with_or_without_its_folder_and_a_number_is_a_name(tmp_path):
    site = make_site(tmp_path, {
        "site.yaml": MINIMAL_CONFIG + "menus:\n  main:\n    - {name: 2024, pageRef: /about}\n",
        "content/pages/about.md": "---\ntitle: About\n---\n\nText.\n",
    })
    run = build_site(site)
    assert run.code == 0, run.err
    assert links(nav((site / "public/index.html").read_text())) == [("/about/", "", "2024")]


@pytest.mark.parametrize("url", ["newsletter/", "javascript:alert(1)", " JaVaScRiPt:x"])
def test_a_menu_url_must_be_a_site_path_or_an_address(tmp_path, url):
    site = make_site(tmp_path, {"site.yaml": MINIMAL_CONFIG + f"menus:\n  main:\n    - {{name: X, url: '{url}'}}\n",
                                "content/a.md": article()})
    run = build_site(site)
    assert run.code == 1 and "site.yaml:6: error: 'url' of entry 1 of menu 'main' must be a path of the site" in run.err


@pytest.mark.browser
def test_on_a_phone_the_menu_folds_and_on_a_wide_screen_it_lies_open(built, browser):
    """Eleven sections on a 390 px screen would take three lines above the story: the navigation opens from a
    "Menu" button there (no script), and is open on a wide screen, its submenus shown on hover."""
    from conftest import serve_folder

    with serve_folder(built) as origin:
        phone = browser.new_page(viewport={"width": 390, "height": 800})
        phone.goto(origin + "/world/harbour/")
        menu = phone.get_by_role("navigation", name="Sections")
        about = menu.get_by_role("link", name="About us")
        assert phone.get_by_text("Menu", exact=True).is_visible() and not about.is_visible()
        phone.get_by_text("Menu", exact=True).click()
        assert about.is_visible() and menu.get_by_role("link", name="Energy").is_visible()
        wide = browser.new_page(viewport={"width": 1200, "height": 800})
        wide.goto(origin + "/world/harbour/")
        menu = wide.get_by_role("navigation", name="Sections")
        assert not wide.get_by_text("Menu", exact=True).is_visible()
        assert menu.get_by_role("link", name="About us").is_visible()
        assert not menu.get_by_role("link", name="Energy").is_visible()
        menu.get_by_role("link", name="World news").hover()
        assert menu.get_by_role("link", name="Energy").is_visible()


def test_a_page_bundle_is_named_by_its_folder(tmp_path):
    """Hugo's pageRef: /posts/my-post for content/posts/my-post/index.md."""
    site = make_site(tmp_path, {
        "site.yaml": MINIMAL_CONFIG + "menus:\n  main:\n    - {name: Mine, pageRef: /posts/my-post}\n"
                                      "    - {name: Also, page: posts/my-post/index.md}\n",
        "content/posts/my-post/index.md": article("My post", "2024-06-10"),
    })
    run = build_site(site)
    assert run.code == 0, run.err
    hrefs = [href for href, _, _ in links(nav((site / "public/index.html").read_text()))]
    assert hrefs == ["/posts/my-post/"] * 2
