"""The HTML reader keeps an article's text and structure and drops the page around it."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.ingest import MAX_FILE_BYTES, split_document
from retrieval.ingest.formats import UnreadableFile, html

PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>How Tides Work | Ocean Weekly</title>
<meta property="og:site_name" content="Ocean Weekly">
<meta property="og:url" content="https://ocean.example.com/tides">
<meta name="date" content="2023-05-04">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/about">About us</a></li>
<li><a href="/shop">Shop our maps</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
<button>Accept all cookies</button></div>
<aside class="sidebar"><h3>Popular posts</h3><ul>
<li><a href="/a">Ten best beaches in Spain</a></li>
<li><a href="/b">Why whales sing at night</a></li></ul></aside>
<main><article>
<h1>How Tides Work</h1>
<p>Tides are the regular rise and fall of the sea surface, caused by the gravitational
pull of the Moon and the Sun acting on the rotating Earth.</p>
<h2>Spring and neap tides</h2>
<p>When the Sun and the Moon line up, their pulls add together and produce spring tides,
which have the largest range between high and low water.</p>
<p>At quarter moons the pulls partly cancel, giving neap tides with a much smaller range;
sailors plan their passages around this fortnightly cycle.</p>
<ul><li>Spring tides follow new and full moons.</li><li>Neap tides follow quarter moons.</li></ul>
<table><tr><th>Port</th><th>Mean range</th></tr><tr><td>Brest</td><td>5.2 m</td></tr></table>
<p>Share this article</p>
</article></main>
<footer><p>© 2023 Ocean Weekly. All rights reserved.</p><a href="/privacy">Privacy policy</a>
<p>Subscribe to our newsletter</p></footer>
</body></html>
"""


def _read(tmp_path: Path, content: str | bytes, name: str = "tides.html") -> list:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return html.read(path, name, "hash")


def test_article_kept_and_page_furniture_dropped(tmp_path: Path) -> None:
    [doc] = _read(tmp_path, PAGE)
    texts = [p.text for p in doc.paragraphs()]
    everything = "\n".join(texts)

    assert doc.title == "How Tides Work"
    assert doc.source == "tides.html"
    assert doc.content_hash == "hash"
    assert texts[0].startswith("Tides are the regular rise and fall of the sea surface")
    # White space inside a paragraph is collapsed: the source's line break is gone.
    assert "caused by the gravitational pull" in texts[0]
    for furniture in (
        "About us",
        "Shop our maps",
        "cookies",
        "Popular posts",
        "Ten best beaches",
        "All rights reserved",
        "Privacy policy",
        "Subscribe",
        "Share this",
    ):
        assert furniture not in everything, furniture
    # The title is not repeated as a heading of the first paragraph.
    assert not texts[0].startswith("How Tides Work")


def test_structure_heading_list_and_table(tmp_path: Path) -> None:
    [doc] = _read(tmp_path, PAGE)
    texts = [p.text for p in doc.paragraphs()]

    # Paragraphs stay separate, and the heading rides on the paragraph it introduces.
    assert texts[1] == (
        "Spring and neap tides\nWhen the Sun and the Moon line up, their pulls add together "
        "and produce spring tides, which have the largest range between high and low water."
    )
    assert texts[2].startswith("At quarter moons")
    # A list's items are blocks of their own, packed into passages a line each.
    assert [t for t in texts if t.endswith("quarter moons.") or t.endswith("full moons.")] == [
        "Spring tides follow new and full moons.",
        "Neap tides follow quarter moons.",
    ]
    [passage] = [p for p in split_document(doc, 800) if "Neap tides" in p.text]
    assert (
        "Spring tides follow new and full moons.\nNeap tides follow quarter moons." in passage.text
    )
    assert "Port | Mean range" in texts
    assert "Brest | 5.2 m" in texts


def test_metadata(tmp_path: Path) -> None:
    [doc] = _read(tmp_path, PAGE)
    assert doc.metadata == {
        "date": "2023-05-04",
        "provider": "Ocean Weekly",
        "url": "https://ocean.example.com/tides",
    }
    assert all(p.metadata == {} for p in doc.paragraphs())


def test_encoding_from_the_page_and_mojibake_repaired(tmp_path: Path) -> None:
    page = PAGE.replace('charset="utf-8"', 'charset="windows-1252"')
    page = page.replace("Tides are the regular", "The Moon’s pull: tides are the regular")
    [doc] = _read(tmp_path, page.encode("cp1252"))
    assert doc.paragraphs()[0].text.startswith("The Moon’s pull: tides are the regular")

    # UTF-8 text once decoded as cp1252 and saved again ("Moonâ€™s") is repaired.
    mangled = page.replace("The Moon’s", "The Moon’s".encode().decode("cp1252"))
    [doc] = _read(tmp_path, mangled, "mangled.html")
    assert doc.paragraphs()[0].text.startswith("The Moon’s pull")


def test_title_falls_back_to_the_file_name(tmp_path: Path) -> None:
    body = "<p>" + "The harbour master posts the tide times at the quay every morning. " * 4
    [doc] = _read(tmp_path, f"<html><body>{body}</p></body></html>", "harbour-notes.html")
    assert doc.title == "harbour-notes"
    assert doc.paragraphs()[0].text.startswith("The harbour master posts")


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 20,
        b"",
        b"<html><head><title>Empty</title></head><body><nav><a href='/'>Home</a></nav></body>",
    ],
    ids=["garbage", "empty", "no-text"],
)
def test_unreadable(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(UnreadableFile, match="no main text"):
        _read(tmp_path, content, "bad.html")


def test_a_page_over_the_html_limit_says_so(tmp_path: Path) -> None:
    # Before: "no main text found" (trafilatura's own 20,000,000-byte limit, unsaid).
    body = "<p>The harbour master posts the tides each morning at the quay.</p>" * 400_000
    page = f"<html><head><title>Tides</title></head><body><article>{body}</article></body>"
    assert 20_000_000 < len(page) < MAX_FILE_BYTES
    with pytest.raises(UnreadableFile, match="larger than 10 MB"):
        _read(tmp_path, page)


DOCS_PAGE = """<html><head><title>Harbour guide ¶</title>
<meta property="og:site_name" content="Harbour guide"></head><body>
<nav><a href="/">Home</a> <a href="/next">Next topic</a></nav>
<div class="body" role="main">
<section id="mooring"><h1>Mooring<a class="headerlink" href="#mooring">¶</a></h1>
<p>Boats moor bow and stern in the inner basin, and every crew must check its lines
each evening before dark, as the harbour rules require.</p>
<dl>
<dt id="faq-fee">How much does a night cost?</dt>
<dd><p>A night at the quay costs twelve euros for boats under ten metres.</p>
<p>Longer boats pay two euros more for each metre beyond ten.</p></dd>
<dt id="opt-force">--force<a class="headerlink" href="#opt-force">¶</a></dt>
<dd><p>Moor even when the basin is full.</p></dd>
</dl>
<pre><code>moor --bow 2 --stern 2
  --check-lines
</code></pre>
<p>After the list, the basin rules apply again to every boat in the harbour.</p>
</section></div></body></html>"""


def test_documentation_page_sections_anchors_entries_and_code(tmp_path: Path) -> None:
    [doc] = _read(tmp_path, DOCS_PAGE, "guide.html")
    assert "¶" not in doc.title  # no permalink mark
    assert "provider" not in doc.metadata  # the page's own title is no publisher
    passages = split_document(doc, 800)
    by_text = {p.text: p for p in passages}
    [answer] = [p for p in passages if "twelve euros" in p.text]
    # The FAQ's question is the heading path of its answer, both paragraphs together
    # (the h1 is the document's title: not repeated in the path).
    assert doc.title == "Mooring"
    assert answer.section == ("How much does a night cost?",)
    assert answer.text.endswith("each metre beyond ten.")
    assert answer.metadata["anchor"] == "faq-fee"
    [option] = [p for p in passages if "--force: Moor even" in p.text]  # term with its description
    assert option.section == () and option.metadata["anchor"] == "mooring"
    [code] = [p for p in passages if "moor --bow" in p.text]
    start, end = code.metadata["code"][0]
    assert code.text[start:end] == "moor --bow 2 --stern 2\n  --check-lines"
    assert any(p.section == () and "After the list" in p.text for p in by_text.values())
    assert not any("Next topic" in p.text for p in passages)


BOX_PAGE = """<html><head><title>Submodules</title></head><body><div class="book">
<div class="chapter"><div class="titlepage"><h1 class="title">Submodules</h1></div>
<div class="section"><div class="titlepage"><h2 class="title">Adding a submodule</h2></div>
<p>Create the superproject first, then add each submodule to it with one command.</p>
<div class="note"><h3 class="title">Note</h3><p>Do not use local URLs here if you plan
to publish your superproject.</p></div>
<p>See what files git submodule created in the superproject after the command.</p>
</div>
<div class="section"><div class="titlepage"><h2 class="title">Pitfalls</h2></div>
<p>Always publish the submodule change before publishing the superproject change.</p>
</div></div></div></body></html>"""


def test_a_box_title_labels_its_box_and_heads_nothing_after_it(tmp_path: Path) -> None:
    # Before: "Note" was a heading, so every paragraph after the box, up to the next
    # heading, had the path "Adding a submodule › Note".
    [doc] = _read(tmp_path, BOX_PAGE, "submodules.html")
    passages = split_document(doc, 800)
    sections = {p.text: p.section for p in passages}
    assert all("Note" not in path for path in sections.values())
    [note] = [p for p in passages if "local URLs" in p.text]
    assert "\nNote:\nDo not use local URLs" in note.text  # a label opening the box
    assert note.section == ("Adding a submodule",)
    [after] = [p for p in passages if "See what files" in p.text]
    assert after.section == ("Adding a submodule",)
    [pitfall] = [p for p in passages if "Always publish" in p.text]
    assert pitfall.section == ("Pitfalls",)


STUB_PAGE = """<html><head><title>AJAX with jQuery</title></head><body>
<div class="related" role="navigation"><h3>Navigation</h3><ul><li><a href="genindex.html">
index</a></li><li><a href="py-modindex.html">modules</a></li></ul></div>
<div class="document"><div class="body" role="main">
<section id="ajax-with-jquery"><h1>AJAX with jQuery</h1>
<p>Obsolete, see the JavaScript and JSON page instead.</p></section></div>
<div class="sphinxsidebar" role="navigation"><h3>Navigation</h3><ul><li><a href="index.html">
Overview</a></li></ul><div id="searchbox" role="search"><h3>Quick search</h3>
<form action="search.html"><input type="text" name="q"/></form></div></div></div>
<div class="footer" role="contentinfo">&#169; Copyright 2010 Pallets.</div>
</body></html>"""


def test_a_stub_page_is_its_one_line_not_its_sidebar(tmp_path: Path) -> None:
    # Before: trafilatura found the article too short and fell back to the page's
    # text: "Navigation index modules | … Navigation Overview Quick search:".
    [doc] = _read(tmp_path, STUB_PAGE, "jquery.html")
    assert [p.text for p in split_document(doc, 800)] == [
        "Obsolete, see the JavaScript and JSON page instead."
    ]
