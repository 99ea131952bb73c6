"""Reading articles: the bundled example, Markdown, encodings, articles without headings."""

from pathlib import Path

import pytest

from narrate.article.plan import SCENE_WORDS, plan_scenes
from narrate.article.read import read_article
from tests.conftest import EXAMPLE

EXAMPLE_HEADINGS = [
    "U.S. Government’s Alleged Espionage Attempt",
    "Engineer Targeted by Cyber-Security Officials",
    "Personal Encounters with the FBI",
    "Telegram’s Appeal to Privacy Advocates and Extremists",
    "Why Dubai?",
    "Political Pressure Post-January 6",
    "Our Take",
]


def test_bundled_example_has_eight_scenes():
    script = plan_scenes(read_article(EXAMPLE))
    assert len(script.scenes) == 8
    assert [s.heading for s in script.scenes[1:]] == EXAMPLE_HEADINGS
    assert script.title == "Telegram CEO Claims U.S. Sought Platform Backdoor"
    assert script.byline == "Christopher Davis"


def test_bundled_example_opening_and_boilerplate():
    script = plan_scenes(read_article(EXAMPLE))
    opening = script.scenes[0]
    assert opening.kind == "opening"
    assert opening.narration.startswith("Telegram CEO Claims U.S. Sought Platform Backdoor.")
    assert "Tucker Carlson" in opening.narration  # the lede
    assert "Written by" not in opening.narration
    everything = " ".join(s.narration + s.heading for s in script.scenes)
    assert "Video" not in everything
    assert "Trending" not in everything and "Sponsors" not in everything
    assert script.scenes[-1].narration.endswith("essential to a free society.")
    assert script.scenes[1].narration.startswith("U.S. Government’s Alleged Espionage Attempt.")


MARKDOWN = """---
title: "Rivers Are Rising (Video)"
author: Ada Lovelace
date: 2024-05-01
---

# Rivers Are Rising

The lede paragraph with a [link to a source](https://example.com/a) and *emphasis*.

![A photo of a river](river.jpg)

## Why it matters

Floods cost **billions** each year.

- First point
- Second point with `code`

```python
print("never spoken")
```

### A deeper look

Text under a third-level heading.[^1]

[^1]: A footnote definition.

## Related Stories

- [Another story](https://example.com/b)

## Empty section
"""


def test_markdown_with_front_matter(tmp_path: Path):
    path = tmp_path / "rivers.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    article = read_article(path)
    script = plan_scenes(article)
    assert article.format == "markdown"
    assert (script.title, script.byline, script.date) == (
        "Rivers Are Rising",
        "Ada Lovelace",
        "2024-05-01",
    )
    assert [s.heading for s in script.scenes] == [
        "Rivers Are Rising",
        "Why it matters",
        "A deeper look",
    ]
    opening, matters, deeper = (s.narration for s in script.scenes)
    assert "with a link to a source and emphasis." in opening
    assert "example.com" not in opening and "photo" not in opening and "*" not in opening
    assert "Floods cost billions each year." in matters
    assert "First point. Second point with code." in matters
    assert "never spoken" not in matters and "print" not in matters
    assert deeper.endswith("Text under a third-level heading.")


def test_markdown_byline_line_and_setext(tmp_path: Path):
    path = tmp_path / "a.md"
    path.write_text(
        "The Title\n=========\n\nBy Jane Doe\n\nLede text here.\n\nSection\n-------\n\nBody.\n"
    )
    script = plan_scenes(read_article(path))
    assert script.title == "The Title" and script.byline == "Jane Doe"
    assert [s.heading for s in script.scenes] == ["The Title", "Section"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            "\ufeffCafé Story\n\nWritten by Zoë.\n\nA crème brûlée paragraph.\n".encode("utf-8"),
            "crème brûlée",
        ),
        (
            "Café Story\n\nA crème brûlée — “quoted” paragraph.\n".encode("cp1252"),
            "crème brûlée — “quoted”",
        ),
        ("Café Story\n\nA crème brûlée paragraph.\n".encode("utf-16"), "crème brûlée"),
        (b"Plain Story\r\n\r\nWindows line endings here.\r\n", "Windows line endings"),
    ],
    ids=["utf8-bom", "cp1252", "utf16", "crlf"],
)
def test_encodings(tmp_path: Path, data: bytes, expected: str):
    path = tmp_path / "story.txt"
    path.write_bytes(data)
    script = plan_scenes(read_article(path))
    assert not script.title.startswith("\ufeff")
    assert script.title.endswith("Story")
    assert expected in script.scenes[0].narration


def test_article_without_headings_splits_at_paragraphs(tmp_path: Path):
    paragraphs = [f"Paragraph {i} " + "word " * 60 + "ends here." for i in range(8)]
    path = tmp_path / "long.txt"
    path.write_text("A Story Without Headings\n\n" + "\n\n".join(paragraphs))
    script = plan_scenes(read_article(path))
    assert len(script.scenes) > 2
    spoken = "\n\n".join(s.narration for s in script.scenes)
    for paragraph in paragraphs:  # every paragraph once, in order, none split
        assert spoken.count(paragraph) == 1
    for scene in script.scenes[1:]:
        assert len(scene.narration.split()) <= SCENE_WORDS
        assert scene.heading.startswith("Paragraph")


def test_boilerplate_section_with_body_is_dropped(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text(
        "Title Here\n\nLede sentence.\n\nReal Heading\n\nReal body.\n\n"
        "Related Articles:\n\nSome other story you may like.\n\nNewsletter\n\nSign up today.\n"
    )
    script = plan_scenes(read_article(path))
    assert [s.heading for s in script.scenes] == ["Title Here", "Real Heading"]
    assert "Sign up" not in script.scenes[-1].narration


FIXTURES = Path(__file__).parent / "fixtures"


def test_html_news_page_keeps_the_story_and_drops_the_rest():
    article = read_article(FIXTURES / "news-page.html")
    script = plan_scenes(article)
    assert article.format == "html"
    assert script.title == "City Council Approves Solar Plan"  # not "... | The Daily Ledger"
    assert (script.byline, script.date) == ("Maria Gomez", "2024-06-03")
    assert [s.heading for s in script.scenes] == [
        "City Council Approves Solar Plan",
        "What the plan costs",
        "What happens next",
    ]
    spoken = " ".join(s.narration for s in script.scenes)
    assert "solar panels by 2027" in spoken and "eastern districts" in spoken
    for junk in ("cookies", "Advertisement", "mattress", "Related", "Mayor announces",
                 "newsletter", "Photo:", "Daily Ledger staff", "Copyright", "Sports",
                 "trackPageView", "never be spoken", "font-family"):  # fmt: skip
        assert junk not in spoken, junk
    # The caption and credit are not spoken, but the plan keeps them with the figure; the
    # related-stories list (boilerplate) is not one of the article's lists.
    [figure] = script.scenes[0].figures
    assert (figure.path, figure.alt) == ("roofs.jpg", "Solar panels on a school roof")
    assert (figure.caption, figure.credit) == (
        "Panels on the roof of Lincoln Elementary.", "Daily Ledger staff"
    )  # fmt: skip
    assert not any(scene.lists for scene in script.scenes)


def test_html_is_recognised_without_its_suffix(tmp_path: Path):
    page = tmp_path / "saved-page"
    page.write_bytes((FIXTURES / "news-page.html").read_bytes())
    assert read_article(page).format == "html"


@pytest.mark.parametrize(
    ("markdown", "said"),
    [
        ("a [Foo](https://en.wikipedia.org/wiki/Foo_(bar)) b", "a Foo b"),
        ("***all*** **b *i* c** *i* _u_ __bb__ ___x___ ~~s~~ `code`", "all b i c i u bb x s code"),
        ("x <!-- hidden --> y ![img](a.png) z[^1] <https://e.com> <b>w</b>", "x y z w"),
        ("ref [text][r] and ![i][r] snake_case 5 * 3", "ref text and snake_case 5 * 3"),
        (r"\*not em\* and \*\*not bold\*\*", "*not em* and **not bold**"),
        # Unpaired marks are markup, not words (50,000 of them once reached the captions).
        ("** stray *** marks ~~ here", "stray marks here"),
    ],
)
def test_markdown_inline_markup(markdown: str, said: str):
    # The inline rules were rewritten to run in linear time (test_hostile_input.py); what
    # they make of ordinary markup stays the same.
    from narrate.article.markdown import inline

    assert inline(markdown) == said


@pytest.mark.parametrize(
    ("paragraph", "heading"),
    [
        ("The city council voted seven to two on Tuesday night to cover every public school "
         "roof with solar panels by 2027, the largest commitment in its history.",
         "The city council voted seven to two on Tuesday night"),
        ("Contractors can bid from July, and the first ten schools will get panels before the "
         "end of the year.", "Contractors can bid from July"),
        ("“We kept our promise to this city,” said Maria Lopez, the mayor, at the long "
         "ceremony yesterday afternoon.", "We kept our promise to this city"),
        ("Short sentence here. Then another one.", "Short sentence here"),
    ],
)  # fmt: skip
def test_scenes_without_headings_get_headings_that_read_as_headings(
    tmp_path: Path, paragraph: str, heading: str
):
    # Regression: such a scene's card showed its first sentence cut off with "...".
    filler = " ".join(["Opening words fill the first scene of this story."] * 12)
    path = tmp_path / "a.txt"
    path.write_text(f"A Story Without Headings\n\n{filler}\n\n{paragraph} {'More words. ' * 10}\n")
    script = plan_scenes(read_article(path))
    assert script.scenes[-1].heading == heading
    assert "…" not in script.scenes[-1].heading
