"""Loading documents: files on disk → titled documents made of paragraphs.

Handles the mess real web articles carry: boilerplate lines, repeated lines,
mojibake (repaired with ftfy), headings that belong to the paragraph after them,
date lines, and files that are nothing but YAML front matter.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ftfy
import yaml

from .errors import CorpusError

logger = logging.getLogger(__name__)

#: File name endings read as text documents (other formats: ``retrieval.formats``).
TEXT_SUFFIXES = (".txt", ".md", ".markdown")
#: Files larger than this are skipped: a "document" of this size is a data dump.
#: JSON Lines collections are exempt: they are read a line at a time.
MAX_FILE_BYTES = 50 * 1024 * 1024

# Whole lines that web pages add around an article; matched case-insensitively.
BOILERPLATE = re.compile(
    r"^(leave a (reply|comment)|about the author|you may also like|related (posts|articles|stories)"
    r"|(also read|read also|read more|see also|related)\s*:.*|share this( article| post)?"
    r"|(share|follow us) on \w+|advertisement|subscribe( to our newsletter)?.*"
    r"|click here to .*|sign up for .*newsletter.*|\d+ comments?|comments?"
    r"|post navigation|previous (post|article)|next (post|article)|tags?:.*|filed under:?.*)$",
    re.IGNORECASE,
)
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%Y-%m-%d", "%B %d %Y")
_HEADING_MAX_CHARS = 80
TERMINAL_MARKS = tuple('.!?…:;"”’)')


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of a document.

    Attributes:
        text: the paragraph, a heading that introduces it kept on its first line.
        metadata: metadata that differs from the document's (e.g. a related item's
            own provider and link); merged over the document's.
    """

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """A source document.

    Attributes:
        source: path relative to the corpus folder given (the file name for files
            at its top), used as the document's stable name.
        title: the document's title.
        paragraphs: its content, boilerplate removed.
        metadata: what is known of the source (``date``, ``provider``, ``url``).
        content_hash: hash of the file's bytes; an unchanged hash means nothing to redo.
    """

    source: str
    title: str
    paragraphs: tuple[Paragraph, ...]
    metadata: dict[str, Any]
    content_hash: str


@dataclass(frozen=True)
class SourceFile:
    """A file found in the corpus, not yet parsed."""

    path: Path
    source: str
    content_hash: str


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[SourceFile]:
    """Finds the document files under ``paths`` and hashes them.

    Folders are walked recursively, without following symbolic links (no loops) and
    skipping hidden folders. Files of other types are ignored.

    Raises:
        CorpusError: a path does not exist, or no document file was found.
    """
    found: dict[str, SourceFile] = {}
    given = [Path(p) for p in paths]
    if not given:
        raise CorpusError("no corpus path given")
    for root in given:
        if not root.exists():
            raise CorpusError(f"corpus path not found: {root}")
        for path, source in _walk(root):
            digest = _hash_file(path)
            if digest is not None and source not in found:
                found[source] = SourceFile(path, source, digest)
    if not found:
        names = ", ".join(str(p) for p in given)
        kinds = ", ".join(sorted({*TEXT_SUFFIXES, *_format_suffixes()}))
        raise CorpusError(f"no documents ({kinds}) found in {names}")
    return sorted(found.values(), key=lambda f: f.source)


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    if root.is_file():
        yield root, root.name
        return
    suffixes = _all_suffixes()
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in [d for d in dirs if (Path(folder) / d).is_symlink()]:
            # Not followed: a link to a folder may loop back into the corpus.
            logger.warning(
                "skipping %s: symbolic link to a folder (not followed)", Path(folder) / name
            )
            dirs.remove(name)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if name.lower().endswith(suffixes) and not name.startswith("."):
                yield path, path.relative_to(root).as_posix()


def _format_suffixes() -> tuple[str, ...]:
    from .formats import SUFFIXES  # formats import this module: import on use

    return tuple(SUFFIXES)


def _all_suffixes() -> tuple[str, ...]:
    return TEXT_SUFFIXES + _format_suffixes()


def _hash_file(path: Path) -> str | None:
    try:
        streamed = path.name.lower().endswith((".jsonl", ".jsonl.gz"))
        if path.stat().st_size > MAX_FILE_BYTES and not streamed:
            logger.warning("skipping %s: larger than %d MB", path, MAX_FILE_BYTES >> 20)
            return None
        digest = hashlib.blake2b(digest_size=16)
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError as exc:
        logger.warning("skipping %s: %s", path, exc.strerror or exc)
        return None


def read_documents(file: SourceFile, **options: Any) -> list[Document]:
    """Parses one file into its documents (several for a JSON Lines collection); an
    unreadable file gives none, after a warning naming it. ``options`` go to the
    format's reader (e.g. ``title_field`` for JSON Lines)."""
    if file.path.name.lower().endswith(TEXT_SUFFIXES):
        document = read_document(file)
        return [document] if document is not None else []
    from .formats import UnreadableFile, read_file

    try:
        documents = read_file(file.path, file.source, file.content_hash, **options)
    except UnreadableFile as exc:
        logger.warning("skipping %s: %s", file.path, exc)
        return []
    if not documents:
        logger.warning("skipping %s: no text content", file.path)
    return documents


def read_document(file: SourceFile) -> Document | None:
    """Parses one text or Markdown file; returns ``None`` (after a warning naming it)
    when it is binary, not UTF-8, or has no content."""
    text = _read_text(file.path)
    if text is None:
        return None
    front, body = split_front_matter(text)
    if front is None and body is None:
        logger.warning("skipping %s: its front matter is not valid YAML", file.path)
        return None
    title, paragraphs, metadata = _parse(front or {}, body or "", file.path)
    if not paragraphs:
        logger.warning("skipping %s: no text content", file.path)
        return None
    return Document(file.source, title, tuple(paragraphs), metadata, file.content_hash)


def _read_text(path: Path) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        logger.warning("skipping %s: %s", path, exc.strerror or exc)
        return None
    if b"\x00" in raw[:8192]:
        logger.warning("skipping %s: binary file", path)
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        logger.warning("skipping %s: not UTF-8 text", path)
        return None
    # Repairs mojibake such as "Xiaomiâ€™s" and normalises odd characters.
    return ftfy.fix_text(text.replace("\r\n", "\n").replace("\r", "\n"), uncurl_quotes=False)


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """Separates YAML front matter (``---`` … ``---`` at the top) from the body.

    Returns:
        ``(front_matter, body)``; ``({}, text)`` when there is none, and
        ``(None, None)`` when the front matter is not valid YAML.
    """
    match = re.match(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", text, re.DOTALL)
    if match is None:
        return {}, text
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None, None
    if not isinstance(front, dict):
        return None, None
    return front, text[match.end() :]


def _parse(
    front: dict[str, Any], body: str, path: Path
) -> tuple[str, list[Paragraph], dict[str, Any]]:
    metadata = _front_metadata(front)
    blocks = _blocks(body)
    title = clean_text(str(front.get("title") or ""))
    if not title and blocks and len(blocks[0]) <= 200:
        title = blocks.pop(0).lstrip("#").strip()
    title = title or path.stem
    paragraphs = _front_paragraphs(front) + _body_paragraphs(blocks, title, metadata)
    return title, dedupe_paragraphs(paragraphs), metadata


def _front_metadata(front: dict[str, Any]) -> dict[str, Any]:
    provider = front.get("provider")
    metadata = {
        "date": parse_date(front.get("publishedDateTime") or front.get("date")),
        "provider": provider.get("name") if isinstance(provider, dict) else provider,
        "url": front.get("webUrl") or front.get("originalUrl") or front.get("url"),
    }
    return {k: str(v) for k, v in metadata.items() if v}


def _front_paragraphs(front: dict[str, Any]) -> list[Paragraph]:
    """Front matter text fields that are content: the excerpt, and each related
    item's title and excerpt (with that item's own provenance)."""
    paragraphs = []
    for key in ("excerpt", "summary", "description"):
        if isinstance(front.get(key), str) and front[key].strip():
            paragraphs.append(Paragraph(clean_text(front[key])))
            break
    related = front.get("related")
    for item in related if isinstance(related, list) else []:
        if not isinstance(item, dict):
            continue
        parts = [clean_text(str(item.get(k) or "")) for k in ("title", "excerpt")]
        text = "\n".join(p for p in parts if p)
        if text:
            paragraphs.append(Paragraph(text, _front_metadata(item)))
    return paragraphs


def _blocks(body: str) -> list[str]:
    """Paragraph candidates: chunks between blank lines; within a chunk, hard-wrapped
    lines are joined and one-paragraph-per-line text is kept line by line."""
    blocks: list[str] = []
    for chunk in re.split(r"\n\s*\n", body):
        lines = [line for line in (clean_text(x) for x in chunk.split("\n")) if line]
        if _hard_wrapped(lines):
            blocks.extend(_join_wrapped(lines))
        else:
            blocks.extend(lines)
    return blocks


def _hard_wrapped(lines: list[str]) -> bool:
    # Wrapped text breaks lines mid-sentence; a paragraph per line ends each with a mark.
    inner = lines[:-1]
    return bool(inner) and sum(not x.endswith(TERMINAL_MARKS) for x in inner) > len(inner) / 2


def _join_wrapped(lines: list[str]) -> list[str]:
    joined: list[str] = []
    for line in lines:
        if joined and not line.startswith(("#", "- ", "* ")) and not joined[-1].startswith("#"):
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined


def _body_paragraphs(blocks: list[str], title: str, metadata: dict[str, Any]) -> list[Paragraph]:
    paragraphs: list[str] = []
    heading: str | None = None
    for block in blocks:
        if BOILERPLATE.match(block) or block == title:
            continue
        date = parse_date(block)
        if date is not None:
            metadata.setdefault("date", date)
            continue
        if _is_heading(block):
            heading = f"{heading}\n{block}" if heading else block
            continue
        paragraphs.append(f"{heading.lstrip('#').strip()}\n{block}" if heading else block)
        heading = None
    return [Paragraph(p) for p in paragraphs]


def _is_heading(block: str) -> bool:
    if block.startswith("#"):
        return True
    return len(block) <= _HEADING_MAX_CHARS and not block.endswith(TERMINAL_MARKS)


def dedupe_paragraphs(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Keeps the first of paragraphs that repeat (web pages repeat subtitles)."""
    seen: set[str] = set()
    kept = []
    for paragraph in paragraphs:
        key = " ".join(paragraph.text.lower().split())
        if key not in seen:
            seen.add(key)
            kept.append(paragraph)
    return kept


def parse_date(value: Any) -> str | None:
    """An ISO date from a datetime, an ISO string or a line such as "January 2, 2020"."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):  # YAML reads a bare 2024-03-01 as a date
        return value.isoformat()
    if not isinstance(value, str) or len(value) > 40:
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def clean_text(text: str) -> str:
    """Collapses white space and drops control characters."""
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    return " ".join(text.split())


def load_documents(paths: Iterable[str | os.PathLike[str]]) -> list[Document]:
    """Reads every document under ``paths``; unreadable files are skipped with a warning.

    Raises:
        CorpusError: a path is missing, or no readable document was found.
    """
    files = discover(paths)
    documents = [doc for file in files for doc in read_documents(file)]
    if not documents:
        raise CorpusError("no readable document in the corpus (see the warnings above)")
    return documents
