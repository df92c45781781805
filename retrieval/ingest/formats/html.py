"""HTML pages: the main text only (no navigation, sidebars, footers or banners),
extracted with trafilatura, its structure kept: headings, paragraphs, lists, tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..clean import file_name_text, fix, join_items, parse_date
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
    except ImportError as exc:  # an install problem, reported per file rather than crashing
        raise UnreadableFile(f"reading HTML needs trafilatura ({reason(exc)})") from exc
    config = use_config()
    # Its limit is ours: a page over its own would come back empty, as if it had no text.
    config.set("DEFAULT", "MAX_FILE_SIZE", str(MAX_HTML_BYTES))
    try:
        # Bytes, not text: trafilatura detects the encoding from the page itself.
        xml = trafilatura.extract(
            raw,
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
    blocks = list(_blocks(main))
    first_heading = next((b.text for b in blocks if b.is_heading), "")
    title = fix(root.get("title") or "") or first_heading or file_name_text(path.stem)
    metadata = {
        "date": parse_date(root.get("date")),
        "provider": fix(root.get("sitename") or root.get("hostname") or ""),
        "url": root.get("url"),
    }
    metadata = {k: v for k, v in metadata.items() if v}
    document = build_document(source, title, blocks, metadata, content_hash)
    return readable(document, "no main text found in the HTML page")


def _blocks(main: Any) -> list[Block]:
    blocks: list[Block] = []
    for element in main:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "head":
            blocks.append(Block(_text(element), BlockKind.HEADING, level=_level(element)))
        elif tag == "list":
            # One paragraph per list: items alone are often too short to stand alone.
            items = (_text(item) for item in element.iter("item"))
            blocks.append(Block(join_items(items), BlockKind.LIST))
        elif tag == "table":
            for row in element.iter("row"):
                cells = [_text(cell) for cell in row.iter("cell")]
                blocks.append(Block(" | ".join(c for c in cells if c), BlockKind.TABLE_ROW))
        elif tag and tag not in _NO_TEXT_TAGS:  # p, quote, code, …
            kind = BlockKind.CODE if tag == "code" else BlockKind.PARAGRAPH
            blocks.append(Block(_text(element), kind))
    return blocks


def _level(head: Any) -> int:
    """A heading's depth from trafilatura's ``rend="h2"`` (0 when it does not say)."""
    rend = str(head.get("rend") or "")
    return int(rend[1]) if len(rend) == 2 and rend[0] == "h" and rend[1] in "123456" else 0


def _text(element: Any) -> str:
    # A line break (<lb/>) separates words: keep a space where it was.
    for lb in element.iter("lb"):
        lb.tail = " " + (lb.tail or "")
    return fix("".join(element.itertext()))
