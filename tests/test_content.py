"""Discovery and front matter: what real files contain becomes clean Articles."""


import pytest

from sitegen.config import load_config
from sitegen.content import load_content

from conftest import article, make_site

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)


def load(tmp_path, files):
    site = make_site(tmp_path, files)
    content = load_content(load_config(site))
    return content, [d.format() for d in content.diagnostics]


def only_article(tmp_path, text, name="content/world/story.md"):
    content, problems = load(tmp_path, {name: text})
    assert len(content.articles) == 1, problems
    return content.articles[0], problems


@pytest.mark.parametrize("tags, expected", [
    ("[Diplomacy, North Korea]", ["Diplomacy", "North Korea"]),
    ("Diplomacy, North Korea,", ["Diplomacy", "North Korea"]),
    ("[Energy, energy, ENERGY]", ["Energy"]),
])
def test_tags_as_list_or_comma_string(tmp_path, tags, expected):
    story, _ = only_article(tmp_path, article(tags=tags))
    assert [t.name for t in story.tags] == expected
    assert story.tags[0].url.startswith("/tags/")


def test_untagged_article_is_fine(tmp_path):
    story, problems = only_article(tmp_path, article())
    assert story.tags == () and problems == []


def test_slug_and_section_come_from_the_file_path(tmp_path):
    story, _ = only_article(tmp_path, article(), name="content/Món/Notícies d'avui.md")
    assert story.slug == "noticies-davui"
    assert story.section.slug == "mon" and story.section.name == "Món"
    assert story.url_path == "mon/noticies-davui/"


def test_front_matter_slug_and_section_win(tmp_path):
    story, _ = only_article(tmp_path, article(slug="Custom Slug", section="World News"))
    assert story.url_path == "world-news/custom-slug/"
    assert story.section.name == "World News"


def test_index_md_takes_its_folder_name(tmp_path):
    story, _ = only_article(tmp_path, article(), name="content/world/putin-visit/index.md")
    assert story.slug == "putin-visit"


def test_bom_and_crlf_files_parse(tmp_path):
    raw = ("\ufeff" + article(title="Windows file", tags="[A]")).replace("\n", "\r\n").encode("utf-8")
    content, problems = load(tmp_path, {"content/x.md": raw})
    assert problems == [] and content.articles[0].title == "Windows file"
    assert content.articles[0].section is None and content.articles[0].url_path == "x/"


def test_authors_summary_and_reading_data(tmp_path):
    story, _ = only_article(tmp_path, article(authors="[Ana Puig, Joan Serra]",
                                              body="First paragraph here.\n\nSecond one."))
    assert [a.name for a in story.authors] == ["Ana Puig", "Joan Serra"]
    assert story.authors[0].url == "/authors/ana-puig/"
    assert story.summary == "First paragraph here."
    assert story.body.word_count == 5


def test_single_author_and_explicit_summary(tmp_path):
    story, _ = only_article(tmp_path, article(author="Ana Puig", summary="Short."))
    assert [a.name for a in story.authors] == ["Ana Puig"] and story.summary == "Short."


def test_unknown_keys_are_kept_and_typos_warned(tmp_path):
    story, problems = only_article(tmp_path, article(by="Wire service", imge_alt="A photo"))
    assert story.extra == {"by": "Wire service", "imge_alt": "A photo"}
    assert problems == ["content/world/story.md:5: warning: unknown front matter key 'imge_alt' "
                        "(kept in page.extra)\n  hint: did you mean 'image_alt'?"]


def test_timezone_from_site_yaml_when_missing(tmp_path):
    site = make_site(tmp_path, {"site.yaml": "timezone: Europe/Madrid\n", "content/a.md": article(date="2024-06-21 09:30")})
    story = load_content(load_config(site)).articles[0]
    assert story.date.isoformat() == "2024-06-21T09:30:00+02:00"


def test_local_image_gets_its_size_and_a_missing_one_a_warning(tmp_path):
    from PIL import Image

    site = make_site(tmp_path, {"content/a.md": article(image="/images/hero.png", image_alt="A hero"),
                                "content/b.md": article(image="gone.jpg", image_alt="Nothing")})
    (site / "assets" / "images").mkdir(parents=True)
    Image.new("RGB", (64, 32)).save(site / "assets" / "images" / "hero.png")
    content = load_content(load_config(site))
    first, second = content.articles
    assert (first.image.url, first.image.width, first.image.height) == ("/images/hero.png", 64, 32)
    assert second.image.url == "/gone.jpg" and second.image.width is None
    assert [d.format() for d in content.diagnostics] == [
        "content/b.md:4: warning: image 'gone.jpg' not found\n"
        "  hint: put the file in assets/ (image: /images/x.jpg) or beside the article"]


def test_image_without_alt_text_is_a_warning(tmp_path):
    _, problems = only_article(tmp_path, article(image="https://cdn.example.com/x.jpg"))
    assert problems == ["content/world/story.md:4: warning: the image has no 'image_alt' text\n"
                        "  hint: describe the picture for readers who cannot see it"]


def test_pages_need_no_date_and_other_files_are_copied(tmp_path):
    content, problems = load(tmp_path, {"content/pages/about.md": "---\ntitle: About us\n---\nHello\n",
                                        "content/world/map.svg": "<svg/>"})
    assert problems == []
    page = content.articles[0]
    assert page.is_page and page.date is None and page.url_path == "about/"
    assert [s.output_path for s in content.static_files] == ["world/map.svg"]


def test_hidden_and_backup_files_are_ignored(tmp_path):
    content, _ = load(tmp_path, {"content/a.md": article(), "content/.a.md.swp": "x", "content/a.md~": "x",
                                 "content/.git/HEAD": "x"})
    assert len(content.articles) == 1 and content.static_files == ()


@pytest.mark.parametrize("text, expected", [
    (article(title="[not, text]"), "content/world/story.md:2: error: 'title' must be text, not a list"),
    ("---\ndate: 2024-01-01\n---\n", "content/world/story.md:1: error: the front matter has no 'title'"),
    ("---\ntitle: A\n---\n", "content/world/story.md:1: error: the front matter has no 'date'"),
    (article(date="2024-02-30"), "content/world/story.md:3: error: 'date': '2024-02-30' is not a real date"),
    (article(draft="maybe"), "content/world/story.md:4: error: 'draft' must be true or false, not 'maybe'"),
    (article(tags="{a: b}"), "content/world/story.md:4: error: 'tags' must be a list of names"),
    (article(slug="'!!!'"), "content/world/story.md:4: error: cannot make a URL slug from '!!!'"),
    (article(breadcrumb="[{name: x}]"), "content/world/story.md:4: error: 'breadcrumb' entries must be"),
    ("---\ntitle: A\ndate: [2024\n---\n", "content/world/story.md:4: error: front matter: invalid YAML"),
    ("\n\n---\ntitle: A\n", "content/world/story.md:3: error: the front matter opened here is never closed"),
])
def test_front_matter_errors_name_the_line(tmp_path, text, expected):
    content, problems = load(tmp_path, {"content/world/story.md": text})
    assert content.articles == ()
    assert any(p.startswith(expected) for p in problems), problems


def test_non_utf8_file_names_the_line_of_the_bad_byte(tmp_path):
    raw = article().encode("utf-8").replace(b"Some text.", b"Caf\xe9 text.")
    _, problems = load(tmp_path, {"content/latin1.md": raw})
    assert problems == ["content/latin1.md:6: error: the file is not UTF-8 text (byte 0xe9)\n"
                        "  hint: re-save the file with UTF-8 encoding"]


def test_all_bad_files_are_reported_together(tmp_path):
    _, problems = load(tmp_path, {"content/a.md": "no front matter", "content/b.md": article(date="yesterday")})
    assert [p.split(":")[0] for p in problems] == ["content/a.md", "content/b.md"]
