"""What the bot says besides answers, shared by the Telegram and console front ends."""

from __future__ import annotations

from collections.abc import Sequence

from .answer import NO_ANSWER
from .smalltalk import SmallTalk

__all__ = [
    "ADMIN_COMMANDS",
    "CHAT_ADMIN_COMMANDS",
    "CONSOLE_COMMANDS",
    "CTRL_C_AGAIN",
    "EXAMPLES_HEADING",
    "HOW_TO_ASK",
    "NO_ANSWER",
    "SEARCH_CANCELLED",
    "SHOWING_RESULTS_FOR",
    "START_INTRO",
    "TELEGRAM_COMMANDS",
    "TRUNCATED",
    "small_talk_reply",
    "sources_heading",
    "understood_as",
]

START_INTRO = "Hi! I answer questions from a collection of documents."
NEW_CONVERSATION = "OK, a new conversation: ask me anything about the documents."
FOLLOW_UPS = (
    "Follow-up questions work too (“When was it founded?”): I read them with the "
    "previous question in mind and show what I understood. /new starts afresh."
)
HOW_TO_ASK = (
    "Just send me a question in plain words. I reply with the passages of the documents "
    "that answer it best, the key sentence in bold, and where each one comes from. "
    "In a group, mention me, reply to one of my messages or use /ask. "
    "In any chat you can also type my @username and a question."
)
EXAMPLES_HEADING = "For example:"
TRUNCATED = "Your question was very long, so I only used its beginning."
MORE_BUTTON = "More results"
VOTE_UP = "👍"
VOTE_DOWN = "👎"
VOTED = "Thanks for your feedback!"
ADMINS_ONLY_STATS = "Sorry, only admins can see the statistics."
EXPIRED = "That question is too old to page through; please ask it again."
NON_TEXT = "I can only read text. Send me your question as a text message."
EMPTY_QUESTION = "Please ask a question, e.g. /ask Who invested in the company?"
NOT_ALLOWED = "Sorry, this bot only answers its registered users."
ERROR = "Sorry, something went wrong while answering. Please try again in a moment."
UNKNOWN_COMMAND = "I don't know that command. /help lists what I understand."
ADMINS_ONLY = "Sorry, only admins can reload the documents."
CHAT_ADMINS_ONLY = "Sorry, only this chat's admins can change its documents."
USE_ADMINS_ONLY = "Sorry, only this chat's admins can choose its collection."
CHOOSE_COLLECTION = (
    "This chat has no collection of documents yet: an admin can choose one with "
    "/use NAME (/collections lists them)."
)
CHOOSE_IN_PRIVATE = "Choose a collection first: open the bot and send /use NAME"
UPLOADS_OFF = "Sorry, this bot does not take documents."
FORGET_USAGE = "Which document? For example: /forget report.pdf (/docs lists them)."
FORGET_CANCELLED = "OK, nothing was removed."
FORGET_LAST = "That is the collection's only document: add another one before removing it."
FORGET_YES = "Yes, remove it"
FORGET_NO = "Cancel"
RELOADING = "Reloading the documents… I keep answering meanwhile."
RELOAD_BUSY = "A reload is already running."
RELOAD_FAILED = "The reload failed, so I keep answering from the previous documents:"


def collections_list(names: Sequence[tuple[str, int, bool]]) -> str:
    """``/collections``: each collection's name and size, this chat's marked."""
    if not names:
        return "There is no collection you may choose."
    lines = [
        f"{'▸ ' if current else '• '}{name} ({documents} document{'s' if documents != 1 else ''})"
        + (" — this chat's" if current else "")
        for name, documents, current in names
    ]
    return "Collections:\n" + "\n".join(lines) + "\nChoose one with /use NAME."


def using(name: str, documents: int) -> str:
    """The reply to ``/use NAME``."""
    return (
        f"This chat now searches the collection “{name}” "
        f"({documents} document{'s' if documents != 1 else ''})."
    )


def no_collection(name: str) -> str:
    """``/use`` named a collection that does not exist (or is closed to the user)."""
    return f"There is no collection “{name}” you may choose. /collections lists them."


def documents_list(name: str, files: Sequence[tuple[str, str, int]]) -> str:
    """``/docs``: the collection's files, each with its title and passages."""
    lines = [
        f"• {file} — {title} ({passages} passage{'s' if passages != 1 else ''})"
        for file, title, passages in files
    ]
    return f"Documents of “{name}”:\n" + "\n".join(lines)


def upload_refused(reason: str) -> str:
    """Why a document sent to the bot was not added (the collection is unchanged)."""
    return f"I did not add that file: {reason}. The documents are unchanged."


def upload_progress(name: str, step: str) -> str:
    """The progress message of an upload, edited as it goes."""
    return f"📄 {name}: {step}"


def uploaded(name: str, passages: int, replaced: bool, examples: Sequence[str]) -> str:
    """The reply once a document is indexed: what it added, and questions to try."""
    what = "replaced the previous version" if replaced else "added"
    lines = [f"✅ {name}: {what}, {passages} passage{'s' if passages != 1 else ''} to search."]
    if examples:
        lines.append("Try asking:")
        lines += [f"• {q}" for q in examples]
    return "\n".join(lines)


def forget_confirm(name: str) -> str:
    """The question before ``/forget NAME`` removes a document."""
    return f"Remove “{name}” from this chat's documents? Answers will no longer quote it."


def forgotten(name: str) -> str:
    """The reply once a document is removed."""
    return f"🗑 Removed “{name}”: answers no longer quote it."


def no_document(name: str) -> str:
    """``/forget`` named a file the collection does not have."""
    return f"There is no document “{name}” here. /docs lists them."


def reloaded(passages: int, documents: int, embedded: int) -> str:
    """The reply when ``/reload`` has swapped the new index in."""
    return (
        f"Reloaded: {passages} passages from {documents} documents "
        f"({embedded} passages embedded anew)."
    )


def voted(vote: int) -> str:
    """The button that replaces 👍 / 👎 once one is pressed."""
    return "👍 Thanks for your feedback" if vote > 0 else "👎 Noted, thanks for your feedback"


def stats(days: int, questions: int, unanswered: int, up: int, down: int) -> str:
    """``/stats``: the last ``days`` days of questions and votes."""
    rate = f" ({unanswered / questions:.0%})" if questions else ""
    return (
        f"Last {days} days: {questions} questions, {unanswered} without an answer{rate}; "
        f"votes: {up} 👍, {down} 👎."
    )


def rate_limited(seconds: float) -> str:
    """The reply to a user who asks faster than the rate limit allows."""
    return f"You're asking faster than I can answer. Please wait {max(1, round(seconds))} s."


TELEGRAM_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "what I know about and how to ask"),
    ("help", "how to use me"),
    ("sources", "the documents I answer from"),
    ("ask", "ask a question (in groups): /ask your question"),
    ("new", "start a new conversation (forget the previous questions)"),
    ("collections", "the collections of documents I serve"),
    ("use", "choose this chat's collection: /use NAME"),
)
#: The commands of a chat's admins (shown in their menus only): its documents.
CHAT_ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("docs", "this chat's documents, by file name"),
    ("forget", "remove a document: /forget NAME"),
)
#: The commands only the bot's admins may use (shown in their menus only).
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("reload", "index the documents again (admins)"),
    ("stats", "questions, unanswered ones and votes of the last 7 days (admins)"),
)
CONSOLE_COMMANDS: tuple[tuple[str, str], ...] = (
    ("/more", "the next passages for the last question"),
    ("/new", "start a new conversation (forget the previous questions)"),
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


def small_talk_reply(kind: SmallTalk, documents: int, examples: Sequence[str]) -> str:
    """The reply to small talk: friendly, short, and pointing at what the bot can do
    (with an example question the collection answers, when there is one)."""
    example = f" For example: “{examples[0]}”" if examples else ""
    if kind is SmallTalk.GREETING:
        return f"Hi! Ask me a question about the documents I know.{example}"
    if kind is SmallTalk.THANKS:
        return "You're welcome! Ask me anything else about the documents."
    if kind is SmallTalk.FAREWELL:
        return "Bye! Come back any time with a question."
    if not documents:
        return sources_heading(0)
    return (
        f"I answer questions from {documents} document{'s' if documents > 1 else ''} "
        "(/sources lists them). Ask in plain words, and follow up if you like: I reply "
        f"with the passages that answer best, the key sentence emphasised.{example}"
    )


#: Starts the line above an answer searched with misspelt words corrected (the
#: corrected question follows, its corrected words emphasised).
SHOWING_RESULTS_FOR = "Showing results for: "


def understood_as(understood: str) -> str:
    """The line above an answer searched with the conversation's context."""
    return f"Understood as: {understood}"
