"""JSON Lines collections (``.jsonl``, or gzip'd ``.jsonl.gz``): one document per
line, read line by line so a large collection is never held as text in memory.

A collection has no size limit, but a line does (:data:`MAX_LINE_BYTES`: longer ones
are skipped holding no more than that), and a gzip'd file may expand to at most
:data:`MAX_EXPANSION` times its size (a decompression bomb turns a megabyte into
gigabytes; text compresses three to ten times).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..clean import fix, looks_like_heading, parse_date
from ..document import Block, BlockKind, Document
from ..sections import build_document
from .base import (
    DEFAULT_OPTIONS,
    MAX_FILE_BYTES,
    ReaderOptions,
    UnreadableFile,
    open_regular,
    reason,
)

logger = logging.getLogger(__name__)

_ID_FIELDS = ("id", "_id", "doc_id")
# Malformed lines are each named in a warning up to this many, then only counted.
_MAX_WARNINGS = 10
# Longer strings are content, not metadata, and would bloat every passage's metadata.
_MAX_METADATA_CHARS = 500
#: A record longer than this is skipped (read past, never held): the file size limit
#: of a single document.
MAX_LINE_BYTES = MAX_FILE_BYTES
#: A gzip'd collection may expand to this many times the compressed bytes read so far
#: (checked as it is read, so a bomb is refused after a megabyte, not after the
#: hundreds that a limit on the whole file would let through first)...
MAX_EXPANSION = 100
#: ...once it has expanded to this much (at the start, the bytes read ahead make the
#: ratio noisy).
EXPANSION_FLOOR = 2**20
# Read past an over-long line this much at a time.
_CHUNK_BYTES = 1 << 20


def read(
    path: Path, source: str, content_hash: str, options: ReaderOptions = DEFAULT_OPTIONS
) -> list[Document]:
    """Reads a JSON Lines collection, one document per line.

    Each document is named ``f"{source}#{id}"`` (the line number when the record has
    no id); its text is split into paragraphs at blank lines; its other scalar
    fields (``date``, ``url``, ``category``…) become its metadata. Malformed lines
    are skipped with a warning naming the file and line.

    Args:
        options: the fields holding a record's title, text and id.

    Returns:
        The collection's documents, in file order.

    Raises:
        UnreadableFile: the file cannot be opened or decompressed, or has no valid line.
    """
    title_field, text_field, id_field = options.title_field, options.text_field, options.id_field
    documents: list[Document] = []
    seen: set[str] = set()
    skipped = 0

    def skip(number: int, why: str) -> None:
        nonlocal skipped
        skipped += 1
        if skipped <= _MAX_WARNINGS:
            logger.warning("%s, line %d: skipped: %s", path, number, why)

    try:
        for number, raw, problem in _lines(path):
            if problem:
                skip(number, problem)
                continue
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except ValueError as exc:
                skip(number, f"not valid JSON ({reason(exc)})")
                continue
            if not isinstance(record, dict):
                skip(number, "not a JSON object")
                continue
            document = _document(
                record, number, path, source, content_hash, title_field, text_field, id_field
            )
            if isinstance(document, str):
                skip(number, document)
            elif document.source in seen:
                skip(number, f"repeats the id of an earlier line ({document.source})")
            else:
                seen.add(document.source)
                documents.append(document)
    except (OSError, EOFError, zlib.error) as exc:
        # A truncated or corrupt file: what was read before the damage is kept.
        if not documents:
            raise UnreadableFile(f"cannot read the collection ({reason(exc)})") from exc
        logger.warning(
            "%s: stopped reading after %d documents: %s", path, len(documents), reason(exc)
        )
    if skipped > _MAX_WARNINGS:
        logger.warning("%s: %d malformed lines skipped in all", path, skipped)
    if not documents:
        raise UnreadableFile(f"no valid line (a JSON object with a non-empty {text_field!r} field)")
    return documents


def _lines(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """The file's lines, numbered from 1, decoded one at a time (so one badly encoded
    or over-long line costs that line only), each with the reason it cannot be read,
    if any.

    Raises:
        UnreadableFile: the file is not a regular file, or a gzip'd one expands more
            than ``MAX_EXPANSION`` times.
    """
    gzipped = path.name.lower().endswith(".gz")
    with open_regular(path) as raw:
        stream: IO[bytes] | gzip.GzipFile = gzip.GzipFile(fileobj=raw) if gzipped else raw
        expanded = 0

        def check(size: int) -> None:
            nonlocal expanded
            expanded += size
            if gzipped and expanded > max(EXPANSION_FLOOR, MAX_EXPANSION * raw.tell()):
                raise UnreadableFile(
                    f"expands to more than {MAX_EXPANSION} times the compressed bytes "
                    "read (a decompression bomb?)"
                )

        for number, line in enumerate(iter(lambda: stream.readline(MAX_LINE_BYTES + 1), b""), 1):
            check(len(line))
            if len(line) > MAX_LINE_BYTES:
                while not line.endswith(b"\n") and (line := stream.readline(_CHUNK_BYTES)):
                    check(len(line))
                yield number, "", f"longer than {MAX_LINE_BYTES >> 20} MB"
                continue
            try:
                yield number, line.decode("utf-8-sig" if number == 1 else "utf-8"), None
            except UnicodeDecodeError as exc:
                yield number, "", f"not valid UTF-8 (byte {exc.start + 1} of the line)"


def _document(
    record: dict[str, Any],
    number: int,
    path: Path,
    source: str,
    content_hash: str,
    title_field: str,
    text_field: str,
    id_field: str | None,
) -> Document | str:
    """The record's document, or why it has none."""
    text = record.get(text_field)
    if not isinstance(text, str) or not text.strip():
        return f"no text (field {text_field!r} missing, empty or not a string)"
    key = id_field or next((f for f in _ID_FIELDS if record.get(f) not in (None, "")), None)
    record_id = record.get(key) if key else None
    name = fix(str(record_id)) if isinstance(record_id, (str, int)) and record_id != "" else ""
    name = name or str(number)
    title = fix(str(record.get(title_field) or "")) or f"{path.name.split('.')[0]} {name}"
    blocks = [
        Block(part, BlockKind.HEADING if looks_like_heading(part) else BlockKind.PARAGRAPH)
        for part in _split(text)
    ]
    ignored = {text_field, title_field, key}
    metadata = {k: v for k, v in ((k, _scalar(v)) for k, v in record.items() if k not in ignored)}
    metadata = {k: v for k, v in metadata.items() if v is not None}
    if "date" in metadata:
        # Dates are ISO everywhere else: an unparsable one is dropped, not passed on.
        date = parse_date(metadata.pop("date"))
        if date:
            metadata["date"] = date
    document = build_document(f"{source}#{name}", title, blocks, metadata, content_hash)
    return document if document.paragraphs() else "no text left once cleaned"


def _split(text: str) -> list[str]:
    parts = [fix(part) for part in re.split(r"\n\s*\n", text)]
    return [part for part in parts if part]


def _scalar(value: Any) -> str | int | float | bool | None:
    if isinstance(value, str):
        value = fix(value)
        return value if value and len(value) <= _MAX_METADATA_CHARS else None
    if isinstance(value, (bool, int, float)):
        return value
    return None  # lists and objects: not metadata this flat model can hold
