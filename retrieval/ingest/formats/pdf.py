"""PDF files, read with pypdf: text page by page, hard-wrapped lines re-joined into
paragraphs, line-end hyphens repaired, running headers, footers and page numbers
dropped. A paragraph never spans two pages, and each carries its ``page`` (1-based).

Headings have levels, so that passages carry their heading path: a PDF with an
outline (bookmarks) has the outline's entries as its headings, at their depth; one
without has its lines set in larger type as headings, the largest type level 1."""

from __future__ import annotations

import io
import logging
import math
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from ..clean import TERMINAL_MARKS, file_name_text, fix, looks_like_heading, parse_date
from ..document import Block, BlockKind, Document
from ..sections import build_document
from .base import DEFAULT_OPTIONS, ReaderOptions, UnreadableFile, read_bytes, readable, reason

logger = logging.getLogger(__name__)

# Lines looked at for running headers/footers: this many at each end of a page...
_EDGE_LINES = 2
# ...and any line this close (as a share of the page's height) to its top or bottom.
_EDGE_SHARE = 0.08
# A line is set in a larger type than the text's when this much larger (headings).
_LARGER = 1.15
# Type sizes within this ratio of each other are one heading level (sizes computed from
# text matrices differ in the last digits).
_SAME_SIZE = 1.05
# Type sizes give at most this many heading levels; a heading-like line in the text's
# own type is one level below the smallest.
_SIZE_LEVELS = 4
# How alike (rapidfuzz ratio, 0-100) a line and an outline entry's title must be.
_MATCH = 90
# An outline entry's title wraps onto at most this many lines on its page.
_TITLE_LINES = 3
# Section numbers the outline often leaves out of its titles ("1.2 ", "IV. ",
# "Chapter 3 "), or puts in where the page does not.
_NUMBERING = re.compile(
    r"(?i)^\s*(?:(?:chapter|section|part|appendix)\s+[\w.]+[.:]?"
    r"|\d+(?:\.\d+)*[.)]?|[ivxlcdm]+[.)]|[a-z][.)])\s+"
)
# A vertical gap this many times the usual line spacing separates paragraphs.
_GAP = 1.45
_PAGE_NUMBER = re.compile(
    r"(?i:page\s+)?(\d{1,4}|[ivxlcdm]{1,7})(\s*(?i:of|/)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]"
)
_BULLET = re.compile(r"([•▪◦●‣–—*-]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s")
# Metadata titles that name the file or the tool rather than the document.
_JUNK_TITLE = re.compile(
    r"(?i)^(untitled|microsoft (word|powerpoint)|document\d*$|slide \d+|print$)"
    r"|\.(docx?|pdf|tex|dvi|indd|rtf|odt|pptx?|xlsx?)$|^[\d\W_]*$"
)


@dataclass
class _Line:
    """A line of text as pypdf lays it out, with where it sits and its type size."""

    text: str
    y: float | None
    size: float
    hyphenated: bool = False


@dataclass(frozen=True)
class _Entry:
    """An entry of the PDF's outline: a heading its author listed.

    Attributes:
        title: the entry's text.
        level: its depth in the outline (1 for the top).
        page: the page it points to (1-based).
        top: how high on that page it points (PDF units from the bottom), if it says.
    """

    title: str
    level: int
    page: int
    top: float | None


@dataclass(frozen=True)
class _Layout:
    """What tells a page's paragraphs apart: the usual line spacing and line length."""

    spacing: float | None
    typical: int | None


def read(
    path: Path, source: str, content_hash: str, options: ReaderOptions = DEFAULT_OPTIONS
) -> list[Document]:
    """Reads a PDF as one document whose paragraphs carry their page number.

    Args:
        options: ``password`` for an encrypted PDF (the empty password, which opens
            PDFs that are only protected against editing, is always tried).

    Returns:
        The PDF as a one-document list.

    Raises:
        UnreadableFile: the file is not a valid PDF, is encrypted, or has no text
            (e.g. scanned pages without OCR).
    """
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # an install problem, reported per file rather than crashing
        raise UnreadableFile(f"reading PDF needs pypdf ({reason(exc)})") from exc
    raw = read_bytes(path)  # a regular file, within the size limit
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(options.password):
            raise UnreadableFile("encrypted PDF: a password is needed to read it")
        pages = [(page, page.mediabox) for page in reader.pages]
    except UnreadableFile:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise UnreadableFile(f"not a readable PDF ({reason(exc)})") from exc

    lines_by_page = [_page_lines(page, box, path, n) for n, (page, box) in enumerate(pages, 1)]
    outline = _outline(reader, len(pages), path)
    title = _metadata_title(reader)
    # Looked for before running lines are dropped: a title in large type on page 1 is
    # often repeated as the running header of the pages after it.
    title_lines = _large_title(lines_by_page[0]) if lines_by_page and not title else []
    _drop_running_lines(lines_by_page, [box for _, box in pages])
    if lines_by_page and not title and not title_lines:
        title_lines = _heading_title(lines_by_page[0])
    if title_lines and _names_a_section(_join(title_lines), outline):
        title_lines = []  # page 1 opens with its first section, not a title
    title = title or " ".join(line.text for line in title_lines) or file_name_text(path.stem)
    if title_lines:  # the title taken from page 1 is not also its first heading
        taken = {id(line) for line in title_lines}
        lines_by_page[0] = [line for line in lines_by_page[0] if id(line) not in taken]

    blocks = _outline_blocks(lines_by_page, outline) if outline else _sized_blocks(lines_by_page)
    metadata = {"date": _creation_date(reader)}
    metadata = {k: v for k, v in metadata.items() if v}
    document = build_document(source, title, blocks, metadata, content_hash)
    return readable(document, "no text in the PDF (scanned pages need OCR first)")


def _page_lines(page: Any, box: Any, path: Path, number: int) -> list[_Line]:
    """The page's lines with their heights and sizes, from pypdf's text visitor (the
    text pypdf returns has no positions, which paragraph breaks need)."""
    lines: list[_Line] = []
    parts: list[str] = []
    y: float | None = None
    size = 0.0

    def flush() -> None:
        nonlocal y, size
        raw = "".join(parts)
        # A letter then a hyphen (or soft hyphen) at a line's end: a word broken by the
        # typesetter, mended when the next line goes on in lower case.
        hyphenated = re.search(r"[^\W\d_][-\xad‐]\s*$", raw) is not None
        lines.append(_Line(fix(raw.rstrip().rstrip("\xad")), y, size, hyphenated))
        parts.clear()
        y, size = None, 0.0

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, font_size: float) -> None:
        nonlocal y, size
        for i, part in enumerate(text.split("\n")):
            if i:
                flush()
            if part.strip():
                matrix = _multiply(tm, cm)
                y = matrix[5] if y is None else y
                size = max(size, float(font_size or 0) * math.hypot(matrix[2], matrix[3]))
            parts.append(part)

    try:
        page.extract_text(visitor_text=visit)
    except Exception as exc:  # one bad page (odd font, broken stream) loses that page only
        logger.warning("%s: skipping page %d: %s", path, number, reason(exc))
        return []
    flush()
    return lines


def _multiply(m: list[float], n: list[float]) -> list[float]:
    """The product of two PDF affine matrices ``[a, b, c, d, e, f]``."""
    return [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]


def _drop_running_lines(pages: list[list[_Line]], boxes: list[Any]) -> None:
    """Removes, in place, page numbers and lines repeated at the top or bottom of
    pages (running headers and footers; digits are ignored so "Page 3 of 9" repeats)."""
    edges: list[list[_Line]] = [
        _edge_lines(lines, box) for lines, box in zip(pages, boxes, strict=True)
    ]
    counts = Counter(key for edge in edges for key in {_running_key(x.text) for x in edge})
    # Twice is enough in short files; in long ones a chapter's running title repeats
    # on a few pages only, and three times at a page's edge is never chance.
    needed = max(2, min(3, len(pages) // 2))
    for lines, edge in zip(pages, edges, strict=True):
        drop = {
            id(x)
            for x in edge
            if counts[_running_key(x.text)] >= needed or _PAGE_NUMBER.fullmatch(x.text)
        }
        lines[:] = [x for x in lines if id(x) not in drop]


def _edge_lines(lines: list[_Line], box: Any) -> list[_Line]:
    text_lines = [x for x in lines if x.text]
    edge = text_lines[:_EDGE_LINES] + text_lines[-_EDGE_LINES:]
    try:
        bottom, top = float(box.bottom), float(box.top)
    except (AttributeError, TypeError, ValueError):
        return edge
    margin = (top - bottom) * _EDGE_SHARE
    edge += [x for x in text_lines if x.y is not None and not bottom + margin < x.y < top - margin]
    return edge


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _metadata_title(reader: Any) -> str:
    try:
        title = fix(str(reader.metadata.title or "")) if reader.metadata else ""
    except Exception:  # a broken info dictionary is no reason to lose the text
        return ""
    return "" if _JUNK_TITLE.search(title) else title


def _creation_date(reader: Any) -> str | None:
    try:
        return parse_date(reader.metadata.creation_date) if reader.metadata else None
    except Exception:  # pypdf raises on malformed date strings
        return None


def _body_size(lines: list[_Line]) -> float:
    """The type size most of the text is set in."""
    weights: Counter[float] = Counter()
    for line in lines:
        weights[round(line.size, 1)] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def _large_title(lines: list[_Line]) -> list[_Line]:
    """The first run of lines near the top of page 1 set in its largest type, if that
    is larger than the text's (a title wraps onto at most three lines)."""
    head = [x for x in lines if x.text][:8]
    if not head:
        return []
    body, largest = _body_size(lines), max(x.size for x in head)
    if not body or largest <= body * _LARGER:
        return []
    start = next(i for i, x in enumerate(head) if x.size == largest)
    run = [head[start]]
    for line in head[start + 1 : start + 3]:
        if not math.isclose(line.size, largest, rel_tol=0.02):
            break
        run.append(line)
    return run


def _heading_title(lines: list[_Line]) -> list[_Line]:
    """The first heading-like line near the top of page 1, if any."""
    head = [x for x in lines if x.text][:3]
    first = next((x for x in head if looks_like_heading(x.text) and len(x.text) > 2), None)
    return [first] if first else []


def _layout(lines: list[_Line]) -> _Layout:
    """The page's usual line spacing and the length of its longer lines."""
    lengths = sorted(len(x.text) for x in lines if x.text)
    typical = lengths[int(len(lengths) * 0.8)] if len(lengths) >= 3 else None
    return _Layout(_line_spacing(lines, _body_size(lines)), typical)


def _groups(lines: list[_Line], layout: _Layout) -> list[list[_Line]]:
    """Lines grouped into paragraphs (a heading is a paragraph of its own)."""
    groups: list[list[_Line]] = []
    previous: _Line | None = None
    for line in lines:
        if not line.text:
            previous = None  # a blank line ends a paragraph
            continue
        if previous is None or _breaks(previous, line, layout.spacing, layout.typical):
            groups.append([line])
        else:
            groups[-1].append(line)
        previous = line
    return groups


def _paragraphs(lines: list[_Line], page: int, layout: _Layout) -> list[Block]:
    return [
        Block(_join(group), BlockKind.PARAGRAPH, metadata={"page": page})
        for group in _groups(lines, layout)
    ]


# Without an outline: headings from type sizes.


@dataclass(frozen=True)
class _Piece:
    """A group of lines of a page, and whether it looks like a heading.

    Attributes:
        size: the smallest type size in it.
        larger: set in type larger than its page's text.
        heading: larger and short, or a single heading-like line.
    """

    text: str
    page: int
    size: float
    larger: bool
    heading: bool


def _sized_blocks(lines_by_page: list[list[_Line]]) -> list[Block]:
    """Paragraphs and headings; a heading's level is its type size's rank among the
    headings' sizes in the whole document (the largest is 1), so chapters and
    sections nest; a heading-like line in the text's type is the lowest level."""
    pieces = [
        piece for page, lines in enumerate(lines_by_page, 1) for piece in _page_pieces(lines, page)
    ]
    # Ranked over the document, not per page: a page holding only sections must not
    # make them level 1. Only headings larger than their page's text make a level.
    tiers = _size_tiers(piece.size for piece in pieces if piece.heading and piece.larger)
    body = _body_size([line for lines in lines_by_page for line in lines])
    return [
        Block(
            piece.text,
            BlockKind.HEADING if piece.heading else BlockKind.PARAGRAPH,
            level=_heading_level(piece, tiers, body) if piece.heading else 0,
            metadata={"page": piece.page},
        )
        for piece in pieces
    ]


def _page_pieces(lines: list[_Line], page: int) -> Iterator[_Piece]:
    body = _body_size(lines)
    for group in _groups(lines, _layout(lines)):
        text = _join(group)
        size = round(min(x.size for x in group), 1)
        larger = bool(body) and size > body * _LARGER
        heading = (larger and len(text) <= 200) or (len(group) == 1 and looks_like_heading(text))
        yield _Piece(text, page, size, larger, heading)


def _heading_level(piece: _Piece, tiers: list[float], body: float) -> int:
    """The level of a heading: its size's, or one below the smallest size's when it is
    set in the text's type. A heading-like line alone on a page in large type (a
    chapter's opening page) takes the level of that type."""
    lowest = min(len(tiers), _SIZE_LEVELS) + 1
    if piece.larger or piece.size > body * _LARGER:
        return _size_level(piece.size, tiers) or lowest
    return lowest


def _size_tiers(sizes: Iterable[float]) -> list[float]:
    """The smallest size of each level, largest first: sizes within ``_SAME_SIZE`` of
    a level's largest size are that level."""
    tiers: list[float] = []
    top = 0.0
    for size in sorted(set(sizes), reverse=True):
        if not tiers or size * _SAME_SIZE < top:
            top = size
            tiers.append(size)
        else:
            tiers[-1] = size
    return tiers


def _size_level(size: float, tiers: list[float]) -> int | None:
    """The level of a heading of that size (None if smaller than every level's)."""
    for level, smallest in enumerate(tiers, 1):
        if size >= smallest:
            return min(level, _SIZE_LEVELS)
    return None


# With an outline: the outline's entries are the headings.


def _outline(reader: Any, pages: int, path: Path) -> list[_Entry]:
    """The outline's entries that point to a page, in order, with their depths."""
    entries: list[_Entry] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):  # the children of the entry before it
                walk(item, level + 1)
                continue
            number = _page_index(reader, item)
            title = fix(str(item.title or ""))
            if title and number is not None and 0 <= number < pages:
                entries.append(_Entry(title, level, number + 1, _top(item)))

    try:
        walk(reader.outline, 1)
    except Exception as exc:  # a broken outline loses the outline only, not the text
        logger.warning("%s: ignoring the outline: %s", path, reason(exc))
        return []
    return entries


def _page_index(reader: Any, destination: Any) -> int | None:
    """The 0-based page an entry points to (None for one pointing elsewhere)."""
    try:
        number = reader.get_destination_page_number(destination)
    except Exception:  # pypdf raises on malformed destinations: that entry only is lost
        return None
    return number if isinstance(number, int) else None


def _top(destination: Any) -> float | None:
    try:
        top = destination.top
        return None if top is None else float(top)
    except (AttributeError, TypeError, ValueError):  # a null or missing coordinate
        return None


def _outline_blocks(lines_by_page: list[list[_Line]], outline: list[_Entry]) -> list[Block]:
    """Paragraphs, and the outline's entries as headings at their depth.

    With an outline, only its entries are headings: lines in larger type that it does
    not list are paragraphs. The outline is the author's own table of contents, while
    type sizes also pick out pull quotes, captions and title-page lines, which would
    otherwise become sections cutting the outline's ones short.
    """
    entries: defaultdict[int, list[_Entry]] = defaultdict(list)
    for entry in outline:
        entries[entry.page].append(entry)
    return [
        block
        for page, lines in enumerate(lines_by_page, 1)
        for block in _outlined_page(lines, page, entries[page])
    ]


def _outlined_page(lines: list[_Line], page: int, entries: list[_Entry]) -> list[Block]:
    """A page's blocks: each entry pointing to it is a heading in place of the line
    showing its title, or, when no line shows it, where it points on the page (the
    page's top if it does not say), never above an entry listed before it."""
    layout = _layout(lines)
    blocks: list[Block] = []
    done = 0  # lines before this one are placed
    for entry in entries:
        found = _find_title(lines, entry.title, done)
        if found:
            start, end = found
        else:
            start = end = _pointed_line(lines, entry.top, done)
        blocks += _paragraphs(lines[done:start], page, layout)
        blocks.append(
            Block(entry.title, BlockKind.HEADING, level=entry.level, metadata={"page": page})
        )
        done = end
    return blocks + _paragraphs(lines[done:], page, layout)


def _find_title(lines: list[_Line], title: str, start: int) -> tuple[int, int] | None:
    """Where, from line ``start`` on, the first run of lines showing ``title`` begins
    and ends (a title may wrap onto a few lines)."""
    # Far longer text cannot match, even less a section number (a few characters):
    # checked first, as most of a page's lines are the text's.
    longest = 2 * len(title) + 20
    for first in range(start, len(lines)):
        best: tuple[float, int] | None = None
        for end in range(first + 1, min(first + _TITLE_LINES, len(lines)) + 1):
            text = _join(lines[first:end]) if lines[end - 1].text else ""
            if not text or len(text) > longest:
                break
            score = _likeness(text, title)
            if score >= _MATCH and (best is None or score > best[0]):
                best = (score, end)
        if best:
            return first, best[1]
    return None


def _pointed_line(lines: list[_Line], top: float | None, start: int) -> int:
    """The first line from ``start`` at or below ``top`` (``start`` if unknown)."""
    if top is None:
        return start
    for i in range(start, len(lines)):
        y = lines[i].y
        if y is not None and y <= top:
            return i
    return len(lines)


def _names_a_section(text: str, outline: list[_Entry]) -> bool:
    """Whether page 1's would-be title is one of the outline's sections: any entry on
    page 1 but the outline's only top entry (which is the document's title)."""
    roots = sum(entry.level == 1 for entry in outline)
    return any(
        entry.page == 1
        and not (entry.level == 1 and roots == 1)
        and _likeness(text, entry.title) >= _MATCH
        for entry in outline
    )


def _likeness(text: str, title: str) -> float:
    """How alike a line and an outline title are (0-100), compared without case,
    spaces, punctuation (line-end hyphens) or ligatures, and with a section number
    that only one of them shows left out."""
    pairs = [
        (text, title),
        (_NUMBERING.sub("", text, count=1), title),
        (text, _NUMBERING.sub("", title, count=1)),
    ]
    return max(_alike(a, b) for a, b in pairs)


def _alike(a: str, b: str) -> float:
    numbers_a, numbers_b = re.findall(r"\d+", a), re.findall(r"\d+", b)
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return 0.0  # "Chapter 1" is not "Chapter 2", however alike the letters
    key_a, key_b = _key(a), _key(b)
    return fuzz.ratio(key_a, key_b) if key_a and key_b else 0.0


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def _line_spacing(lines: list[_Line], body: float) -> float | None:
    """The usual distance between two lines of a paragraph, or None if unknown."""
    drops = [
        a.y - b.y
        for a, b in pairwise(lines)
        if a.text
        and b.text
        and a.y is not None
        and b.y is not None
        and math.isclose(a.size, body, rel_tol=0.1)
        and math.isclose(b.size, body, rel_tol=0.1)
        and 0 < a.y - b.y < 3 * max(body, 1)
    ]
    return statistics.median(drops) if len(drops) >= 2 else None


def _breaks(a: _Line, b: _Line, spacing: float | None, typical: int | None) -> bool:
    """Whether line ``b`` starts a new paragraph after line ``a``."""
    if a.size and b.size and abs(a.size - b.size) > 0.15 * max(a.size, b.size):
        return True  # a heading's type differs from the text's
    if spacing and a.y is not None and b.y is not None:
        drop = a.y - b.y
        if drop > spacing * _GAP:
            return True
        if drop < -spacing and a.text.endswith(TERMINAL_MARKS):
            return True  # moved up (a new column or box) after a finished sentence
    if _BULLET.match(b.text):
        return True
    short = typical is None or len(a.text) < 0.8 * typical
    if short and a.text.endswith(TERMINAL_MARKS):
        return True  # a paragraph's last line stops short of the margin
    starts_sentence = b.text[:1].isupper() or b.text[:1].isdigit()
    return short and not a.hyphenated and looks_like_heading(a.text) and starts_sentence


def _join(lines: list[_Line]) -> str:
    """Re-joins hard-wrapped lines; "com-" + "bined" gives "combined" (a compound
    hyphen at a line's end cannot be told from a typesetter's, and these are rarer)."""
    text = lines[0].text
    for previous, line in pairwise(lines):
        if previous.hyphenated and line.text[:1].islower():
            text = text.rstrip("-‐") + line.text
        else:
            text = f"{text} {line.text}"
    return text
