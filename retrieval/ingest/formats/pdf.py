"""PDF files, read with pypdf: text page by page, hard-wrapped lines re-joined into
paragraphs, line-end hyphens repaired, running headers, footers and page numbers
dropped. A paragraph never spans two pages, and each carries its ``page`` (1-based)."""

from __future__ import annotations

import io
import logging
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

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
    title = _metadata_title(reader)
    # Looked for before running lines are dropped: a title in large type on page 1 is
    # often repeated as the running header of the pages after it.
    title_lines = _large_title(lines_by_page[0]) if lines_by_page and not title else []
    _drop_running_lines(lines_by_page, [box for _, box in pages])
    if lines_by_page and not title and not title_lines:
        title_lines = _heading_title(lines_by_page[0])
    title = title or " ".join(line.text for line in title_lines) or file_name_text(path.stem)
    if title_lines:  # the title taken from page 1 is not also its first heading
        taken = {id(line) for line in title_lines}
        lines_by_page[0] = [line for line in lines_by_page[0] if id(line) not in taken]

    blocks = [
        block
        for number, lines in enumerate(lines_by_page, 1)
        for block in _page_blocks(lines, number)
    ]
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


def _page_blocks(lines: list[_Line], page: int) -> list[Block]:
    """Groups a page's lines into paragraphs and headings."""
    body = _body_size(lines)
    spacing = _line_spacing(lines, body)
    lengths = sorted(len(x.text) for x in lines if x.text)
    typical = lengths[int(len(lengths) * 0.8)] if len(lengths) >= 3 else None
    groups: list[list[_Line]] = []
    previous: _Line | None = None
    for line in lines:
        if not line.text:
            previous = None  # a blank line ends a paragraph
            continue
        if previous is None or _breaks(previous, line, spacing, typical):
            groups.append([line])
        else:
            groups[-1].append(line)
        previous = line
    blocks = []
    for group in groups:
        text = _join(group)
        larger = bool(body) and min(x.size for x in group) > body * _LARGER
        heading = (larger and len(text) <= 200) or (len(group) == 1 and looks_like_heading(text))
        kind = BlockKind.HEADING if heading else BlockKind.PARAGRAPH
        blocks.append(Block(text, kind, metadata={"page": page}))
    return blocks


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
