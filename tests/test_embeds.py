"""Embeds: @[youtube](…), @[vimeo](…) and @[iframe](…) become click-to-play facades, safely."""

import re

import pytest

from conftest import article, build_site, make_site
from sitegen.embeds import Embed, embed_problems, parse_embed
from sitegen.markdown import render_markdown

pytestmark = pytest.mark.both_engines  # (conftest.py: once with each Markdown engine)

VIDEO = "dQw4w9WgXcQ"


@pytest.mark.parametrize("target", [
    VIDEO, f"https://www.youtube.com/watch?v={VIDEO}", f"https://youtu.be/{VIDEO}", f"http://m.youtube.com/watch?v={VIDEO}&t=42",
    f"https://www.youtube.com/embed/{VIDEO}", f"https://www.youtube.com/shorts/{VIDEO}",
    f"https://www.youtube-nocookie.com/embed/{VIDEO}",
])
def test_youtube_addresses_and_ids(target):
    assert parse_embed(f'@[youtube]({target} "Interview")') == Embed(
        "youtube", f"https://www.youtube.com/watch?v={VIDEO}",
        f"https://www.youtube-nocookie.com/embed/{VIDEO}?autoplay=1", "Interview")


@pytest.mark.parametrize("line, problem", [
    ("@[youtube](dQw4w9WgXc)", "'dQw4w9WgXc' is not a YouTube video address or id"),
    ('@[youtube](https://evil.example/watch?v=dQw4w9WgXcQ)', "is not a YouTube video address or id"),
    ('@[youtube](javascript:alert(1))', "an embed needs a kind and an address"),
    ("@[youtube](dQw4w9WgXcQ\"onload=x)", "an embed needs a kind and an address"),
    ("@[vimeo](https://vimeo.com/abc)", "'https://vimeo.com/abc' is not a Vimeo video address or id"),
    ("@[iframe](http://maps.example.org/)", "an iframe embed needs an https:// address"),
    ("@[iframe](javascript:alert(1))", "an embed needs a kind and an address"),
    ("@[tiktok](https://tiktok.example/1)", "unknown embed 'tiktok'; sitegen embeds youtube, vimeo, iframe"),
])
def test_malformed_embeds_say_what_is_wrong(line, problem):
    found = parse_embed(line)
    assert isinstance(found, str) and problem in found


def test_vimeo_ids():
    for target in ("76979871", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"):
        embed = parse_embed(f"@[vimeo]({target})")
        assert embed.link == "https://vimeo.com/76979871" and embed.title == "Vimeo"
        assert embed.frame == "https://player.vimeo.com/video/76979871?autoplay=1&dnt=1"


def test_a_facade_is_a_link_that_loads_nothing_from_the_video_site():
    html = render_markdown(f'Before.\n\n@[youtube]({VIDEO} "The mayor\'s *interview*")\nAfter, same block.').html
    assert html == (
        '<p>Before.</p>\n<figure class="embed embed-youtube"><a class="embed-facade" '
        f'data-embed-src="https://www.youtube-nocookie.com/embed/{VIDEO}?autoplay=1" '
        f'data-embed-title="The mayor\'s *interview*" href="https://www.youtube.com/watch?v={VIDEO}">'
        '<span aria-hidden="true" class="embed-play"></span><span class="embed-title">The mayor\'s *interview*</span>'
        '</a></figure>\n<p>After, same block.</p>')
    assert not re.search(r"<(iframe|img|script)", html)


def test_iframes_are_sandboxed_and_only_a_link_in_safe_mode():
    line = '@[iframe](https://maps.example.org/embed?id=1&z=2 "Flood <map>")'
    normal = render_markdown(line).html
    assert 'data-embed-sandbox="allow-scripts allow-same-origin allow-popups allow-presentation"' in normal
    assert 'data-embed-src="https://maps.example.org/embed?id=1&amp;z=2"' in normal and "Flood &lt;map&gt;" in normal
    safe = render_markdown(line, safe=True).html
    assert "data-embed" not in safe and '<a class="embed-facade" href="https://maps.example.org/embed?id=1&amp;z=2">' in safe
    assert "data-embed-src" in render_markdown(f"@[youtube]({VIDEO})", safe=True).html  # fixed hosts, checked ids


def test_embeds_in_code_stay_code():
    html = render_markdown(f"```\n@[youtube]({VIDEO})\n```\n\n    @[youtube]({VIDEO})\n")
    assert "embed-facade" not in html.html and embed_problems("```\n@[youtube](x)\n```\n") == []


def test_a_malformed_embed_is_shown_as_written_with_a_warning_at_its_line(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(body="Text.\n\n@[youtube](this-is-no-video)\n")})
    run = build_site(site)
    assert run.code == 0
    assert "content/a.md:8: warning: 'this-is-no-video' is not a YouTube video address or id" in run.err
    assert "<p>@[youtube](this-is-no-video)</p>" in (site / "public/a/index.html").read_text()
    assert build_site(site, "--strict").code == 1


def test_pages_with_an_embed_load_the_script_and_others_do_not(tmp_path):
    site = make_site(tmp_path, {"content/a.md": article(body=f"@[youtube]({VIDEO})"), "content/b.md": article("B")})
    assert build_site(site).code == 0
    script = re.compile(r'<script src="/js/embed\.[0-9a-f]{8}\.js" defer></script>')
    assert script.search((site / "public/a/index.html").read_text())
    assert not script.search((site / "public/b/index.html").read_text())
