"""Word documents (.docx), read straight from their XML with lxml: body paragraphs
and tables in document order, headings kept with the paragraph after them. Page
headers, footers, footnotes, comments and deleted text are not part of the body, so
they are left out.

Not python-docx: it looks each paragraph's style up by a search through every style
(about 2 ms a paragraph, 38 s for a 20,000-paragraph manual) and parses the whole
body into memory at once. Here the style names are read once, the body is streamed
element by element and freed as it goes, and a file is refused before its body is
parsed when its XML would expand beyond a limit (a decompression bomb: a 1 MB .docx
can hold 300 MB of XML), or as soon as it has more paragraphs than any real document.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..clean import file_name_text, fix, join_items, looks_like_heading, parse_date
from ..document import Block, BlockKind, Document
from ..sections import build_document
from .base import (
    DEFAULT_OPTIONS,
    MAX_FILE_BYTES,
    ReaderOptions,
    UnreadableFile,
    read_bytes,
    readable,
    reason,
)

#: The XML a .docx may hold, uncompressed (the parts read: body, styles, properties).
#: Zip's own check makes it binding: a part that inflates past its declared size
#: fails its CRC instead of going on.
MAX_XML_BYTES = 4 * MAX_FILE_BYTES
#: More paragraphs than this (about 4,000 pages) is not a document a person wrote.
MAX_PARAGRAPHS = 200_000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_DC_CREATED = "{http://purl.org/dc/terms/}created"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC, _T = _W + "p", _W + "tbl", _W + "tr", _W + "tc", _W + "t"
_VAL = _W + "val"
# Containers whose paragraphs and tables belong to the body as if they were its own.
_BODY_CONTAINERS = frozenset({_W + "body", _W + "sdt", _W + "sdtContent", _W + "customXml"})
# Inside a paragraph: text that is not the paragraph's (deleted or moved-away text,
# text boxes drawn over the page, and the fallback copy of a drawing's content).
_NOT_TEXT = frozenset(
    {_W + "del", _W + "moveFrom", _W + "txbxContent", _W + "pPr", _W + "rPr", _MC_FALLBACK}
)
_TABS = frozenset({_W + "tab", _W + "ptab"})
_BREAKS = frozenset({_W + "br", _W + "cr"})
_OFF = frozenset({"0", "false", "off", "none"})
_HEADING_STYLES = ("heading", "title", "subtitle")
_CHUNK_BYTES = 1 << 20
# An encrypted Office file, and the Word 97-2003 format, are OLE containers, not zips.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read(
    path: Path, source: str, content_hash: str, options: ReaderOptions = DEFAULT_OPTIONS
) -> list[Document]:
    """Reads a .docx file as one document.

    Args:
        options: none used.

    Returns:
        The document as a one-document list.

    Raises:
        UnreadableFile: the file is not a valid .docx, is too large once uncompressed,
            or has no text.
    """
    raw = read_bytes(path)
    if raw.startswith(_OLE_MAGIC):
        raise UnreadableFile("an encrypted Word file or an old .doc file, not a .docx file")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            package = _Package(archive)
            blocks, title_candidate = package.body()
            core_title, created = package.core_properties()
    except UnreadableFile:
        raise
    except Exception as exc:  # zipfile and lxml raise many kinds on broken input
        raise UnreadableFile(f"not a readable .docx file ({reason(exc)})") from exc
    title = core_title or title_candidate or file_name_text(path.stem)
    metadata = {k: v for k, v in {"date": parse_date(created)}.items() if v}
    found = build_document(source, title, blocks, metadata, content_hash)
    return readable(found, "no text in the .docx file")


class _Package:
    """The parts of a .docx (a zip of XML files) that the reader needs."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.names = set(archive.namelist())
        package_rels = self._relationships("_rels/.rels", "")
        main = package_rels.get("officeDocument")
        if main is None or main not in self.names:
            raise UnreadableFile("not a readable .docx file (no Word document in it)")
        self.main: str = main
        self.core = package_rels.get("core-properties")
        folder = posixpath.dirname(self.main)
        rels_name = posixpath.join(folder, "_rels", posixpath.basename(self.main) + ".rels")
        self.styles = self._relationships(rels_name, folder).get("styles")
        self._check_size()
        self._check_paragraphs()

    def body(self) -> tuple[list[Block], str]:
        """The body's blocks, and a title taken from its first Title-styled paragraph
        (else its first heading; empty if neither)."""
        styles = _style_names(self._parse(self.styles)) if self.styles else {}
        with self.archive.open(self.main) as stream:
            return _Body(styles).read(stream)

    def core_properties(self) -> tuple[str, str | None]:
        """The title and creation date the file's properties give (empty if none)."""
        root = self._parse(self.core) if self.core else None
        if root is None:
            return "", None
        return fix(root.findtext(_DC_TITLE) or ""), root.findtext(_DC_CREATED)

    def _check_size(self) -> None:
        parts = [name for name in (self.main, self.styles, self.core) if name in self.names]
        size = sum(self.archive.getinfo(name).file_size for name in parts)
        if size > MAX_XML_BYTES:
            raise UnreadableFile(
                f"its text expands to {size >> 20} MB of XML, more than the "
                f"{MAX_XML_BYTES >> 20} MB allowed (a decompression bomb?)"
            )

    def _check_paragraphs(self) -> None:
        """Counts the body's paragraphs before it is parsed: inflating and counting
        runs at the speed of zlib, parsing a paragraph takes a thousand times longer.
        (Counted as Word writes them, ``<w:p>``; the parse counts them again, whatever
        the prefix.)"""
        count, tail = 0, b""
        with self.archive.open(self.main) as stream:
            for chunk in iter(lambda: stream.read(_CHUNK_BYTES), b""):
                data = tail + chunk
                count += data.count(b"<w:p>") + data.count(b"<w:p ")
                # A tag cut by the chunk's end is counted with the next chunk (its
                # first four bytes, too short to have been counted in this one).
                tail = data[-4:]
                if count > MAX_PARAGRAPHS:
                    raise _too_many_paragraphs()

    def _relationships(self, name: str, folder: str) -> dict[str, str]:
        """A .rels part as {relationship type's last word: the part it names}."""
        root = self._parse(name) if name in self.names else None
        if root is None:
            return {}
        found: dict[str, str] = {}
        for rel in root.iter(_RELATIONSHIP):
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External" or not target:
                continue
            part = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found.setdefault(kind, posixpath.normpath(part))
        return found

    def _parse(self, name: str | None) -> Any:
        if name is None or name not in self.names:
            return None
        with self.archive.open(name) as stream:
            return _parse(stream)


def _parse(stream: IO[bytes]) -> Any:
    from lxml import etree

    # No entities, DTDs or network: the XML comes from strangers' files.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(stream, parser).getroot()


def _style_names(root: Any) -> dict[str, str]:
    """Paragraph style ids to their names, lower case ("Heading1" → "heading 1");
    the default style under the id ``""``."""
    names: dict[str, str] = {}
    for style in root.iter(_W + "style"):
        if style.get(_W + "type", "paragraph") != "paragraph":
            continue
        name_element = style.find(_W + "name")
        name = (name_element.get(_VAL) if name_element is not None else None) or ""
        names[style.get(_W + "styleId") or ""] = name.lower()
        if style.get(_W + "default") in ("1", "true", "on"):
            names.setdefault("", name.lower())
    return names


class _Body:
    """Streams a document part's body into blocks, freeing each element once read."""

    def __init__(self, styles: dict[str, str]) -> None:
        self.styles = styles
        self.blocks: list[Block] = []
        self.title = ""
        self.heading = ""
        self.items: list[str] = []  # list items waiting to be joined into one paragraph

    def read(self, stream: IO[bytes]) -> tuple[list[Block], str]:
        from lxml import etree

        events = etree.iterparse(
            stream,
            events=("start", "end"),
            tag=(_P, _TBL),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
        )
        paragraphs = 0
        for event, element in events:
            if event == "start":
                if element.tag == _P:
                    paragraphs += 1
                    if paragraphs > MAX_PARAGRAPHS:
                        raise _too_many_paragraphs()
                continue
            parent = element.getparent()
            if parent is None or parent.tag not in _BODY_CONTAINERS:
                continue  # inside a table or a text box: read with what holds it
            if element.tag == _TBL:
                self._table(element)
            else:
                self._paragraph(element)
            # Read elements are dropped, so memory stays flat however long the body.
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
        self._flush()
        return self.blocks, self.title or self.heading

    def _paragraph(self, p: Any) -> None:
        text = fix(_text(p))
        if not text:
            return
        style = self.styles.get(_style_id(p), self.styles.get("", ""))
        if style.startswith(_HEADING_STYLES):
            self._flush()
            if style == "title" and not self.title:
                self.title = text
            elif not self.heading:
                self.heading = text
            self.blocks.append(Block(text, BlockKind.HEADING, level=_heading_level(style)))
        elif "list" in style or _numbered(p):
            self.items.append(text)
        elif _all_bold(p) and looks_like_heading(text):
            # A short paragraph set wholly in bold serves as a heading in many documents.
            self._flush()
            self.heading = self.heading or text
            self.blocks.append(Block(text, BlockKind.HEADING))
        else:
            self._flush()
            self.blocks.append(Block(text))

    def _table(self, table: Any) -> None:
        self._flush()
        self.blocks.extend(Block(row, BlockKind.TABLE_ROW) for row in _table_rows(table))

    def _flush(self) -> None:
        # Consecutive list items become one paragraph: alone they are often too short.
        if self.items:
            self.blocks.append(Block(join_items(self.items), BlockKind.LIST))
            self.items = []


def _text(element: Any) -> str:
    """The text of a paragraph or a cell, as Word shows it (paragraphs inside it on
    lines of their own)."""
    parts: list[str] = []
    _collect(element, parts)
    return "".join(parts)


def _collect(element: Any, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
        elif tag in _TABS:
            parts.append("\t")
        elif tag in _BREAKS:
            # A page or column break is layout; a line break separates words.
            if child.get(_W + "type") in (None, "textWrapping"):
                parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        elif isinstance(tag, str) and tag not in _NOT_TEXT:
            _collect(child, parts)
            if tag == _P:
                parts.append("\n")


def _too_many_paragraphs() -> UnreadableFile:
    return UnreadableFile(f"more than {MAX_PARAGRAPHS:,} paragraphs (a generated file?)")


def _style_id(p: Any) -> str:
    style = p.find(f"{_W}pPr/{_W}pStyle")
    return (style.get(_VAL) or "") if style is not None else ""


def _numbered(p: Any) -> bool:
    """Word's own numbering or bullets on the paragraph (numId 0 switches them off)."""
    number = p.find(f"{_W}pPr/{_W}numPr/{_W}numId")
    return number is not None and number.get(_VAL) not in (None, "0")


def _heading_level(style: str) -> int:
    """The depth of a "Heading N" style (0 for Title, Subtitle and bold lines)."""
    number = style.removeprefix("heading").strip()
    return int(number) if number.isdigit() and 1 <= int(number) <= 9 else 0


def _all_bold(p: Any) -> bool:
    """Whether every run with text is set in bold by its own formatting."""
    runs = [run for run in p.iter(_W + "r") if "".join(run.itertext(_T)).strip()]
    return bool(runs) and all(_bold(run) for run in runs)


def _bold(run: Any) -> bool:
    bold = run.find(f"{_W}rPr/{_W}b")
    return bold is not None and (bold.get(_VAL) or "1").lower() not in _OFF


def _table_rows(table: Any) -> Iterator[str]:
    """Each row's cells joined with " | ": a cell merged across columns once, one
    merged down several rows repeated on each (its row reads as a whole)."""
    above: dict[int, str] = {}  # grid column: text of the cell that spans down from it
    for row in table.iter(_TR):
        if _nearest_table(row) is not table:
            continue  # a row of a table nested in a cell: part of that cell's text
        cells: list[str] = []
        column = 0
        for cell in row.iterfind(_TC):
            span = _int(cell.find(f"{_W}tcPr/{_W}gridSpan"), 1)
            merge = cell.find(f"{_W}tcPr/{_W}vMerge")
            if merge is not None and merge.get(_VAL) != "restart":
                text = above.get(column, "")
            else:
                text = fix(_text(cell))
                above[column] = text
            if text:
                cells.append(text)
            column += max(span, 1)
        if cells:
            yield " | ".join(cells)


def _nearest_table(element: Any) -> Any:
    parent = element.getparent()
    while parent is not None and parent.tag != _TBL:
        parent = parent.getparent()
    return parent


def _int(element: Any, default: int) -> int:
    value = element.get(_VAL) if element is not None else None
    return int(value) if value is not None and value.isdigit() else default
