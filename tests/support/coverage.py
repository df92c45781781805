"""How much of an HTML page's main content reaches its passages (issue 13: nothing of
the content lost while boilerplate is removed).

The main content is defined here by the page's structure, independently of the HTML
reader (which uses trafilatura's heuristics): the page's ``<main>`` (or the element of
``role="main"``, or its only ``<article>``, else ``<body>``), less what a browser does
not show or the page marks as navigation:

* scripts, styles, forms and their controls, pictures (``svg``, ``canvas``), embedded
  frames;
* the HTML5 landmarks that are not content: ``nav``, ``aside``, and ``header`` or
  ``footer`` outside any ``article``/``section`` (a page's banner and footer, not an
  article's own header);
* elements of role ``navigation``, ``banner``, ``contentinfo``, ``complementary``,
  ``search``, ``menu``, ``menubar``, ``toolbar``, ``dialog`` or ``alertdialog``;
  hidden elements (``hidden``, ``aria-hidden="true"``, an inline ``display: none``);
* elements whose id or class names them navigation or a banner: ``nav``, ``navbar``,
  ``navheader``, ``navfooter``, ``menu``, ``breadcrumb``, ``toc``, ``sidebar``,
  ``footer``, ``banner``, ``tagline`` and the like, as whole words of the name
  (``fancy-toc1`` is one, ``menuchoice`` is not).

Its text is cut into blocks where block elements begin and end (paragraphs, list
items, cells, headings, code), and a block into words (NFKC, case folded, runs of
letters and digits). A word counts as found when it lies in a run of
:data:`WINDOW` consecutive words of its block that appears, word for word, in the
page's passages; a block shorter than that must appear whole. The passages are taken
as the index gets them: title, heading path and text (headings are in the path), in
order. So a paragraph cut between two passages is still found, and markup, spacing
and punctuation do not matter; a word is only missed if its run of words is nowhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Words in a row that must appear together in the passages for them to count.
WINDOW = 5

# Elements whose text is never the page's content.
_NOT_CONTENT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "meta",
        "link",
        "nav",
        "aside",
        "form",
        "button",
        "select",
        "option",
        "input",
        "textarea",
        "label",
        "svg",
        "canvas",
        "iframe",
        "object",
        "embed",
        "dialog",
    }
)
# The page's banner and footer, unless inside sectioning content (then the article's).
_LANDMARKS = frozenset({"header", "footer"})
_SECTIONING = frozenset({"article", "section", "main"})
_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "menu",
        "menubar",
        "toolbar",
        "dialog",
        "alertdialog",
    }
)
_NAV_NAME = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navheader|navfooter|navigation|menu|mainmenu|submenu"
    r"|breadcrumbs?|toc|sidebar|footer|banner|tagline|skip-?link)(?:[-_\s\d]|$)",
    re.IGNORECASE,
)
# Elements that start a new block of text.
_BLOCKS = frozenset(
    {
        "address",
        "article",
        "blockquote",
        "body",
        "caption",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """``text``'s words: NFKC, case folded, runs of letters, digits and underscores."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _tag(element: Any) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # a comment or a processing instruction
        return ""
    return tag.rpartition("}")[2].lower()  # XHTML pages parse with a namespace


def _hidden(element: Any) -> bool:
    style = re.sub(r"\s+", "", str(element.get("style") or "")).lower()
    return (
        element.get("hidden") is not None
        or str(element.get("aria-hidden") or "").lower() == "true"
        or "display:none" in style
    )


def _not_content(element: Any, tag: str) -> bool:
    if tag in _NOT_CONTENT or _hidden(element):
        return True
    if tag in _LANDMARKS and not any(_tag(a) in _SECTIONING for a in element.iterancestors()):
        return True
    if str(element.get("role") or "").lower() in _ROLES:
        return True
    names = f"{element.get('id') or ''} {element.get('class') or ''}"
    return bool(_NAV_NAME.search(names))


def main_element(page: Any) -> Any:
    """The element holding the page's main content: ``<main>``, the element of
    ``role="main"``, the page's only ``<article>``, else ``<body>`` (else the root)."""
    by_tag: dict[str, list[Any]] = {}
    for element in page.iter():
        tag = _tag(element)
        if tag in ("main", "article", "body"):
            by_tag.setdefault(tag, []).append(element)
        if tag and str(element.get("role") or "").lower() == "main":
            by_tag.setdefault("role-main", []).append(element)
    for key in ("main", "role-main"):
        if by_tag.get(key):
            return by_tag[key][0]
    if len(by_tag.get("article", [])) == 1:
        return by_tag["article"][0]
    return by_tag["body"][0] if by_tag.get("body") else page


@dataclass(frozen=True)
class ContentBlock:
    """A block of the page's main content: its words, and where it is (the block
    element and its parent, as ``tag.class``) for reports."""

    words: tuple[str, ...]
    where: str


def _label(element: Any) -> str:
    names = str(element.get("class") or "").split()
    return _tag(element) + "".join(f".{n}" for n in names[:1])


def content_blocks(html: bytes | str) -> list[ContentBlock]:
    """The page's main content, block by block (empty blocks left out)."""
    from lxml import html as lxml_html

    page = lxml_html.fromstring(html.encode("utf-8") if isinstance(html, str) else html)
    blocks: list[ContentBlock] = []
    current: list[str] = []
    where: list[Any] = []  # the open block elements

    def flush() -> None:
        if current:
            parent = where[-2] if len(where) > 1 else None
            label = _label(where[-1]) if where else ""
            label = f"{_label(parent)} > {label}" if parent is not None else label
            blocks.append(ContentBlock(tuple(current), label))
            current.clear()

    def walk(element: Any) -> None:
        tag = _tag(element)
        if tag and _not_content(element, tag):
            return
        block = tag in _BLOCKS
        if block:
            flush()
            where.append(element)
        if tag:
            current.extend(words(element.text or ""))
            for child in element:
                walk(child)
                current.extend(words(child.tail or ""))
        if block:
            flush()
            where.pop()

    walk(main_element(page))
    flush()
    return blocks


@dataclass
class PageCoverage:
    """How much of one page's main content its passages hold.

    Attributes:
        name: the page.
        words: words of its main content.
        found: of those, the words found in its passages.
        missed: the runs of words not found, as text, with where each is on the page.
    """

    name: str
    words: int
    found: int
    missed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.found / self.words if self.words else 1.0


def page_coverage(
    name: str, blocks: Sequence[ContentBlock], passages: Iterable[str]
) -> PageCoverage:
    """How many words of ``blocks`` (:func:`content_blocks`) are found in ``passages``
    (each passage's text as the index gets it: title, heading path and text)."""
    stream: list[str] = []
    for passage in passages:
        stream.extend(words(passage))
        stream.append("\n")  # no run of words spans two passages
    grams = {tuple(stream[i : i + WINDOW]) for i in range(len(stream) - WINDOW + 1)}
    joined = " " + " ".join(stream) + " "
    total = found = 0
    missed: list[tuple[str, str]] = []
    for block in blocks:
        run = block.words
        total += len(run)
        if len(run) < WINDOW:
            if f" {' '.join(run)} " in joined:
                found += len(run)
            else:
                missed.append((" ".join(run), block.where))
            continue
        covered = [False] * len(run)
        for i in range(len(run) - WINDOW + 1):
            if run[i : i + WINDOW] in grams:
                covered[i : i + WINDOW] = [True] * WINDOW
        found += sum(covered)
        missed.extend((text, block.where) for text in _runs(run, covered))
    return PageCoverage(name, total, found, missed)


def _runs(block: Sequence[str], covered: Sequence[bool]) -> Iterator[str]:
    start = None
    for i, hit in enumerate([*covered, True]):
        if not hit and start is None:
            start = i
        elif hit and start is not None:
            yield " ".join(block[start:i])
            start = None


def passage_texts(path: Path, max_chars: int | None = None) -> list[str]:
    """The passages of ``path`` as the index gets them: each one's title, heading path
    and text (:meth:`~retrieval.ingest.Passage.embedding_text`), in order."""
    from retrieval import RetrievalConfig
    from retrieval.ingest import discover, read_documents, split_document

    config = RetrievalConfig()
    limit = max_chars or config.max_passage_chars
    texts: list[str] = []
    for file in discover([path]):
        for document in read_documents(file):
            passages = split_document(document, limit, config.max_section_chars)
            texts.extend(p.embedding_text(True) for p in passages)
    return texts


def measure(path: Path, name: str | None = None) -> PageCoverage:
    """The coverage of one HTML page by its own passages."""
    blocks = content_blocks(path.read_bytes())
    return page_coverage(name or path.name, blocks, passage_texts(path))
