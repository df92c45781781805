"""Nothing of a page's main content is lost on the way to its passages (issue 13): the
share of the main content's words found in the page's passages is at least 99%.

The main content is defined by the page's structure, apart from the HTML reader
(``tests/support/coverage.py``): its main element less navigation, banners, footers,
dialogs and what is hidden. Measured on pages built here with the hazards the issue
names (sections whose ids hold "share", "related", "cookie"; short link-heavy API
one-liners; definition lists; tables; code; a DocBook page with no frame, headings
opening with an empty anchor, a synopsis of text and names) and, in the slow run, on
every page of the Debian documentation collections (``make collections``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.coverage import (
    ContentBlock,
    PageCoverage,
    content_blocks,
    measure,
    page_coverage,
    passage_texts,
    words,
)

#: The share of the main content's words that must reach the passages.
TARGET = 0.99

SPHINX_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour API reference — Harbour 2.1 documentation</title></head>
<body>
<header class="site-header"><a href="/">Harbour</a> <span>Docs for every release</span></header>
<nav class="sidebar-nav" aria-label="Contents"><ul>
<li><a href="/install">Installing Harbour</a></li><li><a href="/api">API reference</a></li>
<li><a href="/faq">Questions sailors ask</a></li></ul></nav>
<div id="cookie-consent" role="dialog">This site stores cookies on your device.
<button>Accept</button></div>
<main>
<section id="harbour-api-reference">
<h1>Harbour API reference<a class="headerlink" href="#harbour-api-reference">¶</a></h1>
<p>The harbour module books berths, records tides and tells crews which quay is free
tonight.</p>
<section id="sharing-a-berth">
<h2>Sharing a berth<a class="headerlink" href="#sharing-a-berth">¶</a></h2>
<p>Two boats may share one berth when their combined beam is under six metres and both
skippers sign the rafting form.</p>
<p>The harbour master checks shared berths at dusk and moves the outer boat if the wind
rises above force six.</p>
</section>
<section id="related-settings">
<h2>Related settings<a class="headerlink" href="#related-settings">¶</a></h2>
<p>The rafting limit is set by <code>max_raft</code>; the dusk inspection by
<code>inspect_at</code>.</p>
</section>
<section id="cookie-based-sessions">
<h2>Cookie-based sessions<a class="headerlink" href="#cookie-based-sessions">¶</a></h2>
<p>The booking site keeps a skipper signed in with a session cookie that expires after
twelve hours at sea.</p>
</section>
<section id="functions">
<h2>Functions<a class="headerlink" href="#functions">¶</a></h2>
<ul class="simple">
<li><p><a class="reference" href="#book"><code>book()</code></a> — reserve a berth.</p></li>
<li><p><a class="reference" href="#release"><code>release()</code></a> — free a berth.</p></li>
<li><p><a class="reference" href="#tide"><code>tide()</code></a> — next high water.</p></li>
<li><p><a class="reference" href="#quay"><code>quay()</code></a> — quay by number.</p></li>
</ul>
<dl class="py function">
<dt class="sig" id="book"><code>book(boat, nights=1)</code></dt>
<dd><p>Reserve a berth for <em>boat</em> for the given number of nights; raises
<code>Full</code> when the basin is full.</p></dd>
<dt class="sig" id="release"><code>release(boat)</code></dt>
<dd><p>Free the berth of <em>boat</em>.</p></dd>
</dl>
<table class="docutils"><thead><tr><th>Quay</th><th>Depth</th><th>Longest boat</th></tr></thead>
<tbody><tr><td>North quay</td><td>4.5 m</td><td>18 m</td></tr>
<tr><td>Fuel pontoon</td><td>2.1 m</td><td>12 m</td></tr></tbody></table>
<pre><code>harbour.book("Mistral", nights=3)
harbour.tide(port="Brest")</code></pre>
</section>
</section>
</main>
<aside class="related-posts"><h3>Related posts</h3>
<ul><li><a href="/blog/1">Ten best anchorages</a></li></ul></aside>
<footer><div class="share-buttons">Share on Mastodon</div>
<p>© 2024 Harbour project. All rights reserved.</p></footer>
</body></html>"""

# PostgreSQL's manual as DocBook writes it: no <main> or <article> (nothing trafilatura
# takes for the page's frame), headings that open with an empty anchor, a synopsis of
# text and <code> names, a quote whose last sentence follows a list.
DOCBOOK_PAGE = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>4.1. Mooring</title></head><body id="docContent">
<div class="navheader"><table width="100%" summary="Navigation header">
<tr><th colspan="3" align="center">4.1. Mooring</th></tr>
<tr><td><a accesskey="p" href="berths.html">Prev</a></td><th>Chapter 4. Harbour Commands</th>
<td><a accesskey="n" href="rafting.html">Next</a></td></tr></table><hr /></div>
<div class="sect1" id="HARBOUR-MOORING"><div class="titlepage"><div><div>
<h2 class="title" style="clear: both"><a id="x1"></a>4.1. Mooring</h2></div></div></div>
<p>Every boat that stays the night is moored with <code class="command">MOOR</code>, which
assigns a berth and records the lines used, so that the night watch knows every boat in
the basin.</p>
<pre class="synopsis">MOOR [ ALONGSIDE ] <em class="replaceable"><code>boat</code></em> AT <em
class="replaceable"><code>quay</code></em>
MOOR <em class="replaceable"><code>boat</code></em> TO BUOY <em
class="replaceable"><code>number</code></em></pre>
<div class="sect2" id="HARBOUR-MOORING-LINES"><div class="titlepage"><div><div>
<h3 class="title"><a id="x2"></a>4.1.1. Lines</h3></div></div></div>
<blockquote class="blockquote"><p>Crews moor bow first in the inner basin:</p>
<ul class="itemizedlist"><li class="listitem"><p>two lines at the bow,</p></li>
<li class="listitem"><p>one spring line.</p></li></ul>
The harbour master may ask for a second spring line when a gale is forecast.</blockquote>
<div class="variablelist"><dl class="variablelist">
<dt><span class="term"><code class="literal">ALONGSIDE</code></span></dt>
<dd><p>Moor against another boat rather than the quay.</p></dd>
<dt><span class="term"><em class="replaceable"><code>quay</code></em></span></dt>
<dd><p>The number painted on the quay wall.</p></dd></dl></div>
</div>
<div class="sect2" id="HARBOUR-MOORING-FEES"><div class="titlepage"><div><div>
<h3 class="title"><a id="x3"></a>4.1.2. Fees</h3></div></div></div>
<div class="table" id="TAB-FEES"><p class="title"><strong>Table 4.2. Fees per night</strong></p>
<div class="table-contents"><table class="table" summary="Fees">
<thead><tr><th>Length</th><th>Fee</th></tr></thead>
<tbody><tr><td>under 10 m</td><td>12 euros</td></tr><tr><td>10 m and over</td><td>14 euros</td></tr>
</tbody></table></div></div>
<p>To moor the yacht Mistral at quay 3:</p><pre class="programlisting">MOOR Mistral AT 3;</pre>
</div></div>
<div class="navfooter"><hr /><table width="100%" summary="Navigation footer">
<tr><td><a accesskey="p" href="berths.html">Prev</a></td>
<td><a accesskey="u" href="cmds.html">Up</a></td>
<td><a accesskey="n" href="rafting.html">Next</a></td></tr>
<tr><td>3.9. Berths</td><td><a accesskey="h" href="index.html">Home</a></td>
<td>4.2. Rafting</td></tr>
</table></div>
</body></html>"""

#: What each built page has around its content: none of it may reach a passage.
FURNITURE = {
    "sphinx.html": [
        "Docs for every release",
        "Installing Harbour",
        "Questions sailors ask",
        "stores cookies",
        "Accept",
        "Related posts",
        "Ten best anchorages",
        "Mastodon",
        "All rights reserved",
    ],
    "docbook.html": ["Prev", "Next", "Home", "Harbour Commands", "Berths", "Rafting"],
}


def _report(pages: list[PageCoverage], shown: int = 12) -> str:
    """The pages below the target, worst first, and what each lost (for a failure)."""
    lines = []
    for page in sorted(pages, key=lambda p: p.share)[:shown]:
        if page.share >= TARGET:
            break
        lost = "; ".join(f"{text[:60]!r} ({where})" for text, where in page.missed[:4])
        lines.append(f"{page.name}: {page.share:.1%} of {page.words} words; lost {lost}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the measure


def test_a_paragraph_cut_between_passages_is_found_whole() -> None:
    sentences = [f"Sentence number {n} of the long paragraph says something new." for n in range(8)]
    blocks = content_blocks(f"<html><body><main><p>{' '.join(sentences)}</p></main></body></html>")
    assert len(blocks) == 1
    cut = page_coverage("p", blocks, [" ".join(sentences[:5]), " ".join(sentences[5:])])
    assert (cut.words, cut.found, cut.missed) == (len(blocks[0].words), cut.words, [])


def test_what_no_passage_holds_is_counted_and_reported_with_its_place() -> None:
    page = """<html><body><main><h2>Fees</h2><p>A night costs twelve euros at the quay.</p>
    <ul><li>Showers cost one euro per token in the harbour office.</li></ul></main></body></html>"""
    blocks = content_blocks(page)
    coverage = page_coverage("p", blocks, ["Fees\nA night costs twelve euros at the quay."])
    lost = words("Showers cost one euro per token in the harbour office")
    assert coverage.words == coverage.found + len(lost)
    assert coverage.missed == [(" ".join(lost), "ul > li")]
    # Punctuation, case and spacing do not matter; the order of the words does.
    assert page_coverage("p", blocks[:1], ["FEES!"]).share == 1.0
    assert page_coverage("p", [ContentBlock(("quay", "the"), "p")], ["the quay"]).share == 0.0


def test_main_content_leaves_out_navigation_banners_and_hidden_text() -> None:
    page = """<html><body>
    <header><p>Site banner text</p></header><nav><p>Navigation text</p></nav>
    <div class="navheader">Prev Next</div><div class="fancy-toc1">Table of contents</div>
    <div role="navigation">Role navigation</div><div role="dialog">Cookie dialog</div>
    <div hidden>Hidden text</div><div style="display: none">Invisible text</div>
    <script>var x = 1;</script><style>p { color: red }</style>
    <article><header><h1>The article's own header</h1></header>
    <p>The article text.</p><p class="menuchoice">File, Save</p></article>
    <aside>Aside text</aside><footer>Footer text</footer></body></html>"""
    texts = [" ".join(block.words) for block in content_blocks(page)]
    assert texts == ["the article s own header", "the article text", "file save"]


# --------------------------------------------------------------------------- built pages


@pytest.mark.parametrize(
    ("name", "page"), [("sphinx.html", SPHINX_PAGE), ("docbook.html", DOCBOOK_PAGE)]
)
def test_built_pages_keep_their_content_and_drop_their_furniture(
    tmp_path: Path, name: str, page: str
) -> None:
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    coverage = measure(path)
    assert coverage.share >= TARGET, _report([coverage])
    assert coverage.missed == []  # built to lose nothing: every word is a hazard's
    everything = "\n".join(passage_texts(path))
    for furniture in FURNITURE[name]:
        assert furniture not in everything, furniture


def test_sections_named_like_boilerplate_keep_their_heading_path(tmp_path: Path) -> None:
    """Sections whose ids hold "share", "related" or "cookie" were dropped whole."""
    path = tmp_path / "sphinx.html"
    path.write_text(SPHINX_PAGE, encoding="utf-8")
    texts = passage_texts(path)
    for heading, text in (
        ("Sharing a berth", "Two boats may share one berth"),
        ("Related settings", "The rafting limit is set by max_raft"),
        ("Cookie-based sessions", "session cookie that expires"),
    ):
        assert any(f"\n{heading}\n" in t and text in t for t in texts), (heading, texts)


# --------------------------------------------------------------------------- real pages


def _collections() -> Path:
    """Where ``scripts/fetch_collections.py`` puts the collections."""
    configured = os.environ.get("DOCQA_COLLECTIONS")
    return Path(configured) if configured else Path.home() / ".cache" / "docqa" / "collections"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["git", "sqlite", "postgresql"])
def test_real_documentation_pages_lose_under_one_percent(name: str) -> None:
    """Every HTML page of a Debian documentation collection: at least 99% of the main
    content's words, over the collection, are in the pages' passages (git-doc,
    sqlite3-doc, postgresql-doc: about 1,600 pages, a minute or two)."""
    dest = _collections()
    if not (dest / f"{name}.json").is_file():
        pytest.skip(f"the {name} collection is not fetched (make collections)")
    folder = dest / name
    pages = [
        measure(path, path.relative_to(folder).as_posix())
        for path in sorted(folder.rglob("*.html"))
    ]
    total = sum(p.words for p in pages)
    share = sum(p.found for p in pages) / total
    package = json.loads((dest / f"{name}.json").read_text())["package"]
    below = sum(p.share < TARGET for p in pages)
    print(f"{name} ({package}): {len(pages)} pages, {share:.2%} of {total:,} words; {below} below")
    assert share >= TARGET, _report(pages)
