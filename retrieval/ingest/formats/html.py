"""HTML pages: the main text only (no navigation, sidebars, footers or banners),
extracted with trafilatura, its structure kept: headings, paragraphs, lists, tables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..clean import file_name_text, fix, fix_code, fold, parse_date, same_text, strip_permalink
from ..document import Block, BlockKind, Document
from ..sections import build_document
from .base import DEFAULT_OPTIONS, ReaderOptions, UnreadableFile, read_bytes, readable, reason

#: HTML pages larger than this are skipped. trafilatura's time grows faster than the
#: page (measured here: 1 MB of short paragraphs 0.9 s, 2 MB 2.4 s, 4 MB 9.8 s, 20 MB
#: 205 s), so its own limit (20,000,000 bytes, under which a page silently comes back
#: empty) is set to this one.
MAX_HTML_BYTES = 10 * 1024 * 1024
# Elements of trafilatura's XML output that hold no text of their own.
_NO_TEXT_TAGS = frozenset({"graphic", "lb"})
# Publication date only, and no guessing from any date-like string in the text
# (a footer's "© 2023" is not the article's date): no date beats a wrong one.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


def read(
    path: Path, source: str, content_hash: str, options: ReaderOptions = DEFAULT_OPTIONS
) -> list[Document]:
    """Reads an HTML page as one document.

    Args:
        options: ``favor_recall`` keeps more of pages whose article is short or
            oddly built (at the risk of some boilerplate).

    Returns:
        The page as a one-document list.

    Raises:
        UnreadableFile: the file cannot be read or holds no main text.
    """
    raw = read_bytes(path, MAX_HTML_BYTES)
    try:
        import trafilatura
        from lxml import etree
        from trafilatura.settings import use_config
        from trafilatura.xpaths import BODY_XPATH
    except ImportError as exc:  # an install problem, reported per file rather than crashing
        raise UnreadableFile(f"reading HTML needs trafilatura ({reason(exc)})") from exc
    config = use_config()
    # Its limit is ours: a page over its own would come back empty, as if it had no text.
    config.set("DEFAULT", "MAX_FILE_SIZE", str(MAX_HTML_BYTES))
    try:
        # Bytes, not text: trafilatura detects the encoding from the page itself.
        tree = trafilatura.load_html(raw, MAX_HTML_BYTES)  # None: not HTML (logged)
        # Read before _prepared() changes the page (it takes ids off sections).
        anchors = _anchors(tree)
        own_title = tree.findtext(".//title") if tree is not None else None
        xml = None
        if tree is not None:
            xml = trafilatura.extract(
                _prepared(tree, BODY_XPATH),
                output_format="xml",
                with_metadata=True,
                include_comments=False,
                include_tables=True,
                include_images=False,
                include_links=False,
                favor_recall=options.favor_recall,
                date_extraction_params=_DATE_PARAMS,
                config=config,
            )
        root = etree.fromstring(xml.encode("utf-8")) if xml else None
    except Exception as exc:  # trafilatura and lxml raise many kinds on broken input
        raise UnreadableFile(f"HTML extraction failed ({reason(exc)})") from exc
    main = root.find("main") if root is not None else None
    if root is None or main is None:
        raise UnreadableFile("no main text found in the HTML page")
    blocks = _Blocks(anchors).read(main)
    first_heading = next((b.text for b in blocks if b.is_heading), "")
    title = strip_permalink(fix(root.get("title") or "")) or first_heading
    title = title or file_name_text(path.stem)
    provider = fix(root.get("sitename") or root.get("hostname") or "")
    metadata = {
        "date": parse_date(root.get("date")),
        # Many pages name themselves as their site: that is no publisher.
        "provider": "" if _names_itself(provider, title, own_title) else provider,
        "url": root.get("url"),
    }
    metadata = {k: v for k, v in metadata.items() if v}
    document = build_document(source, title, blocks, metadata, content_hash)
    return readable(document, "no main text found in the HTML page")


#: A definition list's entry is a sub-section of its own (its term the heading) when
#: the term is a question or the description runs longer than this: an FAQ's question
#: with its answer, an option with paragraphs of explanation.
_ENTRY_SECTION_CHARS = 300
# Elements of trafilatura's XML that hold blocks rather than text.
_CONTAINERS = frozenset({"div", "item", "quote"})


class _Blocks:
    """The blocks of trafilatura's XML ``main`` element, in order.

    Args:
        anchors: folded heading text → the HTML id that links to it (from the page).
    """

    def __init__(self, anchors: dict[str, str]) -> None:
        self.anchors = anchors
        self.blocks: list[Block] = []
        self.level = 0  # the depth of the last heading
        self.heading = ""  # its text
        self.metadata: dict[str, Any] = {}  # the open section's anchor

    def read(self, main: Any) -> list[Block]:
        for element in main:
            self._element(element)
        return self.blocks

    def _element(self, element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "head":
            self._heading(_text(element), _level(element))
        elif tag == "list" and str(element.get("rend") or "") == "dl":
            self._definitions(element)
        elif tag == "list":
            # Each item a block: the passage packs them, a line each.
            for item in element.iterfind("item"):
                self._add(_text(item), BlockKind.LIST)
        elif tag == "table":
            for row in element.iter("row"):
                cells = [_text(cell) for cell in row.iter("cell")]
                self._add(" | ".join(c for c in cells if c), BlockKind.TABLE_ROW)
        elif tag == "code":
            self._add(_code(element), BlockKind.CODE)
        elif tag in _CONTAINERS and _holds_blocks(element):
            self._children(element)
        elif tag and tag not in _NO_TEXT_TAGS:  # p, quote, …
            self._add(_text(element), BlockKind.PARAGRAPH)

    def _heading(self, text: str, level: int, anchor: str | None = None) -> None:
        text = strip_permalink(text)
        if not text:
            return
        self.level, self.heading = level or self.level, text
        anchor = self.anchors.get(fold(text)) or anchor
        self.metadata = {"anchor": anchor} if anchor else {}
        self.blocks.append(Block(text, BlockKind.HEADING, level=level))

    def _add(self, text: str, kind: BlockKind) -> None:
        if text:
            self.blocks.append(Block(text, kind, metadata=dict(self.metadata)))

    def _definitions(self, element: Any) -> None:
        """A definition list: each entry its terms with their description (an option
        with what it does, a function with its signature, an FAQ's question with its
        answer), never torn apart."""
        entries: dict[str, tuple[list[str], list[Any]]] = {}
        for item in element.iterfind("item"):
            rend = str(item.get("rend") or "")
            kind, _, number = rend.partition("-")
            terms, descriptions = entries.setdefault(number or rend, ([], []))
            if kind == "dt":
                terms.append(_text(item))
            else:
                descriptions.append(item)
        level, heading, metadata = self.level, self.heading, self.metadata
        anchor = metadata.get("anchor")
        in_entry = False  # whether the last entry opened a section of its own
        for terms, descriptions in entries.values():
            term = ", ".join(t for t in terms if t)
            text = " ".join(_text(d) for d in descriptions)
            if term and (term.endswith("?") or len(text) > _ENTRY_SECTION_CHARS):
                self._heading(term, level + 1, anchor)
                for description in descriptions:
                    self._element_children(description)
                in_entry = True
            elif term or text:
                if in_entry:  # back in the list's own section: its heading again
                    self._heading(heading, level, anchor)
                    in_entry = False
                self._add(f"{term}: {text}" if term and text else term or text, BlockKind.LIST)
        if in_entry and heading:
            # What follows the list belongs to the section the list is in.
            self._heading(heading, level, anchor)
        self.level, self.heading, self.metadata = level, heading, metadata

    def _element_children(self, element: Any) -> None:
        if _holds_blocks(element):
            self._children(element)
        else:
            self._add(_text(element), BlockKind.PARAGRAPH)

    def _children(self, element: Any) -> None:
        """A container's blocks, in order, with the text that runs between them (a
        sentence after a list, in a quote) a paragraph of its own, not dropped."""
        blocks = _block_tags(element)
        run = [element.text or ""]
        for child in element:
            if child.tag in blocks:
                self._add(fix("".join(run)), BlockKind.PARAGRAPH)
                run = []
                self._element(child)
            else:  # inline: emphasis, a name in code, a line break
                run.append(" " if child.tag == "lb" else "".join(child.itertext()))
            run.append(child.tail or "")
        self._add(fix("".join(run)), BlockKind.PARAGRAPH)


# Elements of trafilatura's XML that are blocks of their own.
_BLOCK_TAGS = frozenset({"p", "list", "table", "code", "quote", "head", "div"})


def _block_tags(element: Any) -> frozenset[str]:
    """The tags of a container's children that are blocks of their own: ``<code>`` is
    not when text runs around it (a name inside the text: PostgreSQL's synopses are
    quotes of text and ``<code>``, and were read as their names alone)."""
    loose = (element.text or "").strip() or any((c.tail or "").strip() for c in element)
    return _BLOCK_TAGS - {"code"} if loose else _BLOCK_TAGS


def _holds_blocks(element: Any) -> bool:
    """Whether a container's children are blocks to read one by one."""
    tags = _block_tags(element)
    return any(child.tag in tags for child in element)


def _prepared(tree: Any, frames: list[Any]) -> Any:
    """The page as trafilatura should see it, so that it keeps all of the content.

    * A section whose id is its heading's slug (Sphinx, MkDocs: ``<section
      id="sharing-a-berth"><h2>Sharing a berth``) loses the id: trafilatura discards
      elements whose id holds words such as "share", "related", "nav" or "cookie",
      and this id only names the section (its anchor is read from the page apart).
    * An empty anchor opening a heading (DocBook's ``<h2><a name="x"></a>Title``) is
      taken out: trafilatura dropped the heading.
    * The title of a box set in the text (DocBook's ``<div class="note"><h3>Note</h3>
      <p>…</p></div>`` and the text going on after it) becomes a label opening the
      box's text ("Note:"): as a heading it would have headed every paragraph after
      the box, up to the next real heading.
    * Permalink marks (an in-page link whose text is only "¶", "§", "#" or a link
      symbol) go: Sphinx puts them after every heading, API term and code caption.
    * The page's landmarks that are not content go before trafilatura sees them:
      navigation anywhere, and headers, footers and asides outside the article. When a
      page's article is short (a stub page, a 404 page) trafilatura falls back to all
      the page's text, and Sphinx's sidebar ("Navigation", "Quick search") was its
      only passage.
    * When trafilatura would find no frame in the page (none of its ``BODY_XPATH``: no
      ``<article>``, ``<main>``, ``div#content``…) its body is framed as an article,
      the landmarks that are not content (``nav``, ``header``, ``footer``, ``aside``,
      their ARIA roles) left outside. Without a frame trafilatura only gathers loose
      paragraphs, tables and code: the headings and lists of DocBook pages (the
      PostgreSQL and Git manuals) and of sqlite.org were dropped. In a frame its usual
      pruning (boilerplate classes, link-heavy blocks) still applies.
    """
    for section in tree.xpath("//*[@id][h1|h2|h3|h4|h5|h6][.//p]"):
        heading = section.xpath("(h1|h2|h3|h4|h5|h6)[1]")[0]
        if _slug(section.get("id")) == _slug(heading.text_content()):
            del section.attrib["id"]
    for anchor in tree.xpath(f"({_HEADINGS})/a[not(node())]"):
        anchor.drop_tag()
    for heading in tree.xpath(_HEADINGS):
        if _box_title(heading):
            _label(heading)
    for link in tree.xpath("//a[starts-with(@href, '#')]"):
        if not strip_permalink(" " + link.text_content()).strip():
            link.drop_tree()  # a permalink mark (Sphinx's ¶ after a term or a caption)
    for element in tree.xpath(_FURNITURE):
        element.drop_tree()
    frame = _frame(tree, frames)
    if frame is not None:
        _gather_sections(frame)
        return tree
    body = tree.find(".//body")
    if body is None:
        return tree
    content = [child for child in body if not _landmark(child)]
    if not content:
        return tree
    for child in content:
        if _beside(child):  # a section is content, whatever its id or class says
            _unmark(child)
    article = body.makeelement("article", {})
    article.text, body.text = body.text, None
    article.extend(content)
    body.insert(0, article)
    return tree


_HEADINGS = "//h1|//h2|//h3|//h4|//h5|//h6"
_HEADINGS_IN = ".//h1|.//h2|.//h3|.//h4|.//h5|.//h6"
_HEADING_IN_OR_AT = f"self::h1|self::h2|self::h3|self::h4|self::h5|self::h6|{_HEADINGS_IN}"
# A heading, and a paragraph of at least a short sentence's length.
_SECTION_TEST = f"({_HEADINGS_IN}) and .//p[string-length(normalize-space()) >= 40]"
# Elements that set a box in the text; sections (<section>, <article>) are never boxes.
_BOX_TAGS = frozenset({"div", "aside", "blockquote"})


def _frame(tree: Any, frames: list[Any]) -> Any:
    """The first element one of trafilatura's ``frames`` (its ``BODY_XPATH``) finds in
    the page, or None."""
    for xpath in frames:
        found = next(iter(xpath(tree)), None)
        if found is not None:
            return found
    return None


def _gather_sections(frame: Any) -> None:
    """Moves the sections beside the frame trafilatura reads into it: AsciiDoc frames a
    manual page's text in ``<div id="content">`` and puts its title and NAME section
    ("git-stash - Stash the changes in a dirty working directory away") beside it, in
    ``<div id="header">``, which trafilatura would never read."""
    before = [e for e in frame.itersiblings(preceding=True) if _beside(e)]
    after = [e for e in frame.itersiblings() if _beside(e)]
    for element in before:  # nearest first: each goes to the front
        _unmark(element)
        frame.insert(0, element)
    for element in after:
        _unmark(element)
        frame.append(element)


def _beside(element: Any) -> bool:
    """A block beside the frame that holds a section and is no page landmark."""
    return (
        isinstance(element.tag, str)
        and not _landmark(element)
        and bool(element.xpath(_SECTION_TEST))
    )


def _unmark(element: Any) -> None:
    """Drops the id and class by which trafilatura would take a section for furniture
    ("header", "related", …): it is content whatever they say."""
    element.attrib.pop("id", None)
    element.attrib.pop("class", None)


def _box_title(heading: Any) -> bool:
    """Whether a heading titles a box inside a section rather than a section: it opens
    a ``div`` (or ``aside``, ``blockquote``) holding no other heading, and the text
    around the box goes on after it (its next sibling holds no heading)."""
    box = heading.getparent()
    if box is None or box.tag not in _BOX_TAGS or (box.text or "").strip():
        return False
    elements = [c for c in box if isinstance(c.tag, str)]
    if elements[0] is not heading or len(box.xpath(_HEADINGS_IN)) > 1:
        return False
    if not (heading.tail or "").strip() and heading.getnext() is None:
        return False  # nothing in the box but its title
    after = box.getnext()
    while after is not None and not isinstance(after.tag, str):
        after = after.getnext()
    return after is not None and not after.xpath(_HEADING_IN_OR_AT)


def _label(heading: Any) -> None:
    """A box's title as the label of its text: ``<p>Note:</p>``."""
    text = " ".join(heading.text_content().split())
    for child in list(heading):
        heading.remove(child)
    heading.attrib.clear()
    heading.tag = "p"
    heading.text = text if not text or text.endswith((":", ".", "!", "?")) else f"{text}:"


def _slug(text: str) -> str:
    """Words of ``text``, lower case, joined by hyphens (an id made from a heading)."""
    return "-".join(_WORDS.findall(strip_permalink(text).casefold()))


_WORDS = re.compile(r"[^\W_]+")


# The page landmarks that are not its content, by element and by ARIA role.
_LANDMARK_TAGS = frozenset({"nav", "header", "footer", "aside"})
# Elements that hold the content: nothing containing one is furniture.
_CONTENT = "self::main or self::article or self::section or @role='main'"
# Navigation wherever it is; headers, footers, asides and their roles outside content.
_FURNITURE = (
    f"//*[(self::nav or @role='navigation' or @role='search') and not(.//*[{_CONTENT}])]"
    "|//*[(self::header or self::footer or self::aside or @role='banner'"
    " or @role='contentinfo' or @role='complementary')"
    f" and not(ancestor-or-self::*[{_CONTENT}]) and not(.//*[{_CONTENT}])]"
)
_LANDMARK_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})


def _landmark(element: Any) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag in _LANDMARK_TAGS or str(element.get("role") or "") in _LANDMARK_ROLES


def _names_itself(provider: str, title: str, own: str | None) -> bool:
    """Whether the "site name" is only the page's title (``title``, or its ``<title>``
    element ``own``)."""
    if not provider:
        return True
    return any(same_text(provider, strip_permalink(fix(t))) for t in (title, own or "") if t)


def _anchors(page: Any) -> dict[str, str]:
    """Folded heading and term text → the id that links to it: the heading's own id,
    an anchor inside it, or the id of the section it opens (Sphinx, AsciiDoc,
    MkDocs and Javadoc each put it in one of these places)."""
    if page is None:
        return {}
    found: dict[str, str] = {}
    for element in page.iter("h1", "h2", "h3", "h4", "h5", "h6", "dt"):
        text = fold(strip_permalink(fix(element.text_content())))
        named = (a.get("id") or a.get("name") for a in element.iter("a"))
        anchor = element.get("id") or next((x for x in named if x), None)
        parent = element.getparent()
        if not anchor and parent is not None and parent.index(element) == 0:
            anchor = parent.get("id")
        if text and anchor and text not in found:
            found[text] = anchor
    return found


def _level(head: Any) -> int:
    """A heading's depth from trafilatura's ``rend="h2"`` (0 when it does not say)."""
    rend = str(head.get("rend") or "")
    return int(rend[1]) if len(rend) == 2 and rend[0] == "h" and rend[1] in "123456" else 0


def _text(element: Any) -> str:
    # A line break (<lb/>) separates words: keep a space where it was.
    for lb in element.iter("lb"):
        lb.tail = " " + (lb.tail or "")
        lb.text = None
    return fix("".join(element.itertext()))


def _code(element: Any) -> str:
    """A code block's text with its lines (a line break is a new line)."""
    for lb in element.iter("lb"):
        lb.tail = "\n" + (lb.tail or "")
        lb.text = None
    return fix_code("".join(element.itertext()))
