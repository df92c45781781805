"""What the bot says besides answers, shared by the Telegram and console front ends."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval import SourceInfo

from .answer import NO_ANSWER

__all__ = [
    "CONSOLE_COMMANDS",
    "CTRL_C_AGAIN",
    "EXAMPLES_HEADING",
    "HOW_TO_ASK",
    "NO_ANSWER",
    "SEARCH_CANCELLED",
    "START_INTRO",
    "TELEGRAM_COMMANDS",
    "TRUNCATED",
    "example_questions",
    "sources_heading",
]

START_INTRO = "Hi! I answer questions from a collection of documents."
HOW_TO_ASK = (
    "Just send me a question in plain words. I reply with the passages of the documents "
    "that answer it best, the key sentence in bold, and where each one comes from. "
    "In a group, mention me, reply to one of my messages or use /ask. "
    "In any chat you can also type my @username and a question."
)
EXAMPLES_HEADING = "For example:"
TRUNCATED = "Your question was very long, so I only used its beginning."
MORE_BUTTON = "More results"
EXPIRED = "That question is too old to page through; please ask it again."
NON_TEXT = "I can only read text. Send me your question as a text message."
EMPTY_QUESTION = "Please ask a question, e.g. /ask Who invested in the company?"
NOT_ALLOWED = "Sorry, this bot only answers its registered users."
ERROR = "Sorry, something went wrong while answering. Please try again in a moment."
UNKNOWN_COMMAND = "I don't know that command. /help lists what I understand."
ADMINS_ONLY = "Sorry, only the bot's admins can reload the documents."
RELOADING = "Reloading the documents… I keep answering meanwhile."
RELOAD_BUSY = "A reload is already running."
RELOAD_FAILED = "The reload failed, so I keep answering from the previous documents:"


def reloaded(passages: int, documents: int, embedded: int) -> str:
    """The reply when ``/reload`` has swapped the new index in."""
    return (
        f"Reloaded: {passages} passages from {documents} documents "
        f"({embedded} passages embedded anew)."
    )


def rate_limited(seconds: float) -> str:
    """The reply to a user who asks faster than the rate limit allows."""
    return f"You're asking faster than I can answer. Please wait {max(1, round(seconds))} s."


TELEGRAM_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "what I know about and how to ask"),
    ("help", "how to use me"),
    ("sources", "the documents I answer from"),
    ("ask", "ask a question (in groups): /ask your question"),
)
CONSOLE_COMMANDS: tuple[tuple[str, str], ...] = (
    ("/more", "the next passages for the last question"),
    ("/sources", "the documents I answer from"),
    ("/help", "this help"),
    ("/quit", "leave (or Ctrl-D)"),
    ("Ctrl-C", "cancel a search or clear the line; twice on an empty line: leave"),
)
SEARCH_CANCELLED = "Search cancelled."
CTRL_C_AGAIN = "Press Ctrl-C again to leave (or Ctrl-D, or type /quit)."


def sources_heading(count: int) -> str:
    """The line above a list of ``count`` documents."""
    if count == 0:
        return "I have no documents yet."
    return "I know about this document:" if count == 1 else f"I know about these {count} documents:"


def example_questions(sources: Sequence[SourceInfo], n: int = 2) -> list[str]:
    """``n`` questions the collection can answer, made from its documents' titles."""
    titles = [s.title.strip().rstrip(".") for s in sources if s.title.strip()][:n]
    examples = [f"What is known about “{title}”?" for title in titles]
    fallback = ["What is this collection about?", "What happened most recently?"]
    return (examples + fallback)[:n]
