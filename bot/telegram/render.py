"""Answers and bot texts as Telegram HTML messages (and inline query results)."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval import Hit, SourceInfo

from .. import texts
from ..answer import EXCERPT_CHARS, Answer, attribution
from .html import MESSAGE_LIMIT, Block, Line, Run, lines, pack, safe_url, text_line

#: Longest description shown under an inline result's title.
INLINE_DESCRIPTION_CHARS = 200


def render_answer(answer: Answer, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The messages that show one page of an answer, in order (at least one)."""
    blocks: list[Block] = []
    header = _header(answer)
    if header:
        blocks.append(header)
    if not answer.hits:
        blocks.append(
            text_line(answer.message or texts.NO_ANSWER, "b") + text_line(answer.hint or "", "i")
        )
    blocks.extend(hit_block(hit) for hit in answer.hits)
    return pack(blocks, limit)


def hit_block(hit: Hit) -> list[Line]:
    """A passage: its numbered title in bold, the text quoted with the answering sentence
    in bold, then what is known of the source."""
    block = text_line(f"{hit.rank}. {hit.title}", "b")
    if hit.section:
        block += text_line(hit.heading_path, "i")
    runs = [Run(piece, _tags(styles)) for piece, styles in hit.styled(EXCERPT_CHARS)]
    block += lines(runs, quote=True)
    block += _attribution(hit)
    return block


def _tags(styles: frozenset[str]) -> tuple[str, ...]:
    return (*(("b",) if "sentence" in styles else ()), *(("code",) if "code" in styles else ()))


def render_inline_message(hit: Hit, limit: int = MESSAGE_LIMIT) -> str:
    """The message an inline result posts: the passage alone (cut to one message)."""
    return pack([hit_block(hit)], limit)[0]


def inline_description(hit: Hit) -> str:
    """A short plain-text preview of a passage: its answering sentence."""
    text = " ".join((hit.sentence_text or hit.text).split())
    if len(text) > INLINE_DESCRIPTION_CHARS:
        text = text[: INLINE_DESCRIPTION_CHARS - 1].rstrip() + "…"
    return text


def render_sources(sources: Sequence[SourceInfo], limit: int = MESSAGE_LIMIT) -> list[str]:
    """The indexed documents with their titles, dates and providers."""
    block = text_line(texts.sources_heading(len(sources)), "b")
    for n, source in enumerate(sources, 1):
        block += _source_line(n, source)
    return pack([block], limit)


def render_start(
    sources: Sequence[SourceInfo], examples: Sequence[str], limit: int = MESSAGE_LIMIT
) -> list[str]:
    """The greeting: what the bot knows about, how to ask, example questions that the
    collection answers."""
    about = text_line(texts.START_INTRO, "b") + text_line(texts.sources_heading(len(sources)))
    for n, source in enumerate(sources, 1):
        about += _source_line(n, source)
    blocks: list[Block] = [about, text_line(texts.HOW_TO_ASK) + text_line(texts.FOLLOW_UPS)]
    if examples:
        blocks.append(_examples(examples))
    return pack(blocks, limit)


def render_help(examples: Sequence[str] = (), limit: int = MESSAGE_LIMIT) -> list[str]:
    """How to use the bot on Telegram, with example questions."""
    blocks: list[Block] = [text_line(texts.HOW_TO_ASK) + text_line(texts.FOLLOW_UPS)]
    commands = text_line("Commands", "b")
    for command, description in texts.TELEGRAM_COMMANDS:
        commands += lines([Run(f"/{command}", ("code",)), Run(f" — {description}")])
    blocks.append(commands)
    if examples:
        blocks.append(_examples(examples))
    return pack(blocks, limit)


def _examples(examples: Sequence[str]) -> list[Line]:
    block = text_line(texts.EXAMPLES_HEADING, "b")
    for question in examples:
        block += lines([Run("• "), Run(question, ("i",))])
    return block


def render_notice(message: str, hint: str | None = None) -> str:
    """A short notice: ``message``, then ``hint`` in italics."""
    block = text_line(message) + (text_line(hint, "i") if hint else [])
    return pack([block])[0]


def _header(answer: Answer) -> list[Line]:
    header: list[Line] = []
    if answer.offset and answer.hits:
        first, last = answer.hits[0].rank, answer.hits[-1].rank
        header += lines([Run(f"More on “{answer.question}” ({first}–{last}):", ("i",))])
    if answer.truncated:
        header += text_line(texts.TRUNCATED, "i")
    if answer.corrections and not answer.offset:
        runs = [Run(texts.SHOWING_RESULTS_FOR, ("i",))]
        runs += [
            Run(text, ("b", "i") if fixed else ("i",)) for text, fixed in answer.corrected_parts()
        ]
        header += lines(runs)
    if answer.understood and not answer.offset:
        header += text_line(texts.understood_as(answer.understood), "i")
    return header


def _attribution(hit: Hit) -> list[Line]:
    known = attribution(hit)
    runs = [Run(" · ".join(known), ("i",))] if known else []
    url = safe_url(hit.link)
    if url:
        runs += [Run(" · " if runs else ""), Run("source", href=url)]
    return lines(runs) if runs else []


def _source_line(n: int, source: SourceInfo) -> list[Line]:
    meta = [str(source.metadata[k]) for k in ("provider", "date") if source.metadata.get(k)]
    runs = [Run(f"{n}. "), Run(source.title)]
    if meta:
        runs.append(Run(f" ({', '.join(meta)})", ("i",)))
    url = safe_url(str(source.metadata.get("url") or ""))
    if url:
        runs += [Run(" · "), Run("link", href=url)]
    return lines(runs)
