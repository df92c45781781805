"""A folder mixing every supported format, indexed and searched end to end with the
real model: each format's content is found, with its title and provenance."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pytest

from retrieval import RetrievalConfig, Retriever
from tests.retrieval.ingest.formats.test_format_docx import write_report
from tests.retrieval.ingest.formats.test_format_pdf import PAGE_1, PAGE_2, write_pdf

HTML = """<!doctype html><html><head><title>Lighthouse keepers | Coast Weekly</title></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Lighthouse keepers</h1>
<p>The last lighthouse keeper on the northern coast retired in 1998, when the lamp was
automated and a radio beacon replaced the foghorn that had sounded for ninety years.</p>
<p>Volunteers now open the tower to visitors on summer weekends and keep a small museum
of lenses, logbooks and the keeper's brass telescope.</p></article>
<footer>Copyright Coast Weekly. Subscribe to our newsletter.</footer></body></html>"""


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mixed")
    (folder / "notes.txt").write_text(
        "Garden notes\n\nTomatoes need six hours of sun and deep watering twice a week.\n"
    )
    (folder / "recipes.md").write_text(
        "---\ntitle: Bread basics\n---\nA sourdough starter is fed flour and water daily.\n"
    )
    (folder / "page.html").write_text(HTML)
    write_report(folder / "harbour.docx")
    write_pdf(folder / "tides.pdf", [PAGE_1, PAGE_2])
    records = [
        {"id": "a1", "title": "Beekeeping", "text": "Honey bees swarm in late spring."},
        {"id": "a2", "title": "Chess openings", "text": "The Sicilian Defence answers 1.e4."},
    ]
    with gzip.open(folder / "collection.jsonl.gz", "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    return folder


@pytest.fixture(scope="module")
def retriever(mixed: Path, tmp_path_factory: pytest.TempPathFactory, encoder) -> Retriever:
    index_dir = tmp_path_factory.mktemp("mixed-index")
    return Retriever.from_corpus(mixed, index_dir, RetrievalConfig(), encoder=encoder)


@pytest.mark.parametrize(
    ("question", "source", "needle"),
    [
        ("How much sun do tomatoes need?", "notes.txt", "six hours"),
        ("How is a sourdough starter fed?", "recipes.md", "flour and water"),
        ("When did the last lighthouse keeper retire?", "page.html", "1998"),
        ("Which ships led the rise in arrivals?", "harbour.docx", "ferries"),
        ("What causes neap tides?", "tides.pdf", "quarter moons"),
        ("When do honey bees swarm?", "collection.jsonl.gz#a1", "late spring"),
    ],
)
def test_each_format_is_searchable(retriever, question, source, needle):
    # What this checks is that each reader's text reaches the index and comes back
    # from its source; ranking quality is measured on the dev sets. (The PDF's neap
    # question ranks page 1's "caused by the pull of the Moon" first since sentence
    # re-ranking: both passages hold the same share of the question's words.)
    hits = retriever.search(question).hits
    assert hits[0].source == source
    assert any(needle in h.text.lower() for h in hits if h.source == source)


def test_titles_pages_and_skipped_files(retriever, mixed, caplog):
    titles = {s.source: s.title for s in retriever.sources()}
    assert titles["page.html"].startswith("Lighthouse keepers")
    assert titles["collection.jsonl.gz#a2"] == "Chess openings"
    hits = retriever.search("What causes neap tides?").hits
    pages = {h.metadata["page"] for h in hits if h.source == "tides.pdf"}
    (neap,) = (h for h in hits if "quarter moons" in h.text)
    assert neap.metadata["page"] == 2 and pages == {1, 2}
    assert "broken.pdf" not in titles
    with caplog.at_level(logging.WARNING):
        again = Retriever.from_corpus(mixed, retriever.info.path.parent, encoder=retriever.encoder)
    assert again.embedded == 0
    assert "broken.pdf" not in caplog.text  # an unchanged bad file is not re-read
