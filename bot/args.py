"""The ``python -m bot`` command line: flags, their environment fallbacks, a config.

argparse only parses here (a number must be a number, a level one of the names);
whether a value is usable is :class:`~bot.config.BotConfig`'s to decide, so each flag
is checked in one place and always fails with the same message.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from retrieval import RetrievalConfig, RetrievalError

from .config import (
    DEFAULT_API_URL,
    ENV_ADMIN_USERS,
    ENV_ALLOWED_USERS,
    ENV_API_URL,
    ENV_TOKEN,
    ENV_WEBHOOK_SECRET,
    ENV_WEBHOOK_URL,
    MAX_K,
    MAX_UPLOAD_MB,
    BotConfig,
    ConfigurationError,
    Mode,
    parse_user_ids,
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def parse_config(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> BotConfig:
    """Parses command-line flags, falling back to the environment.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
        environ: the environment (default: ``os.environ``).

    Raises:
        SystemExit: argparse rejected the flags (it prints the usage line, exit code 2).
        ConfigurationError: a value is unusable.
    """
    env = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    mode = Mode.TELEGRAM
    if args.console or args.ask is not None or args.json:
        mode = Mode.CONSOLE
    elif args.auto:
        mode = Mode.AUTO
    return BotConfig(
        mode=mode,
        token=_blank_to_none(args.token) or _blank_to_none(env.get(ENV_TOKEN)),
        api_url=(args.api_url or env.get(ENV_API_URL) or DEFAULT_API_URL).rstrip("/"),
        corpus=tuple(Path(p) for p in args.corpus or ()),
        index_dir=Path(args.index_dir) if args.index_dir else None,
        collections=Path(args.collections) if args.collections else None,
        retrieval=_retrieval_config(args.config, args.model),
        k=args.k,
        allowed_users=parse_user_ids(
            ",".join(args.allow) if args.allow else env.get(ENV_ALLOWED_USERS, "")
        ),
        admin_users=parse_user_ids(
            ",".join(args.admin) if args.admin else env.get(ENV_ADMIN_USERS, ""),
            what="admin users",
        ),
        rate_limit=args.rate_limit,
        inline_rate_limit=args.inline_rate_limit,
        webhook_url=_blank_to_none(args.webhook_url) or _blank_to_none(env.get(ENV_WEBHOOK_URL)),
        webhook_secret=_blank_to_none(args.webhook_secret)
        or _blank_to_none(env.get(ENV_WEBHOOK_SECRET)),
        listen=args.listen,
        port=args.port,
        ask=args.ask,
        json_lines=args.json,
        conversation_minutes=args.conversation_minutes,
        conversations_db=Path(args.conversations_db) if args.conversations_db else None,
        feedback=not args.no_feedback,
        watch=args.watch,
        max_upload_mb=args.max_upload_mb,
        workers=args.workers,
        max_batch=args.max_batch,
        log_level=args.log_level,
    )


def _retrieval_config(path: str | None, model: str | None) -> RetrievalConfig:
    """The retrieval settings of ``--config`` and ``--model``.

    Raises:
        ConfigurationError: the file cannot be read or holds a bad value.
    """
    try:
        config = RetrievalConfig.load(Path(path)) if path else RetrievalConfig()
        return config.replace(model=model) if model else config
    except RetrievalError as exc:
        raise ConfigurationError(f"--config: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m bot`` command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answer questions about a document collection on Telegram or in the terminal.",
        epilog=f"Environment: {ENV_TOKEN}, {ENV_API_URL}, {ENV_ALLOWED_USERS}, "
        f"{ENV_ADMIN_USERS}, {ENV_WEBHOOK_URL}, {ENV_WEBHOOK_SECRET}.",
    )
    front = parser.add_mutually_exclusive_group()
    front.add_argument(
        "--console", action="store_true", help="chat in the terminal instead of on Telegram"
    )
    front.add_argument(
        "--auto",
        action="store_true",
        help=f"run on Telegram when {ENV_TOKEN} (or --token) is set, else in the terminal",
    )
    front.add_argument(
        "--ask", metavar="QUESTION", help="answer one question in the terminal and exit"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="console: read one question per line (one conversation; /new starts another) "
        "and print one JSON object per line",
    )
    parser.add_argument(
        "--conversation-minutes",
        type=float,
        default=15.0,
        metavar="MINUTES",
        help="a follow-up question is read with the previous ones in mind until the chat "
        "has been idle this long (default: 15; 0: every question stands alone)",
    )
    parser.add_argument(
        "--conversations-db",
        metavar="FILE",
        help="keep the chats' conversations in this SQLite file across restarts "
        "(default: in memory only)",
    )
    parser.add_argument(
        "--no-feedback",
        action="store_true",
        help="no 👍 / 👎 buttons under answers, and no questions kept for /stats",
    )
    parser.add_argument("--token", help=f"Telegram bot token (default: ${ENV_TOKEN})")
    parser.add_argument(
        "--api-url",
        help=f"root URL of the Bot API server (default: ${ENV_API_URL} or {DEFAULT_API_URL})",
    )
    parser.add_argument(
        "--corpus",
        action="append",
        metavar="PATH",
        help="a file or folder of documents to answer from (repeatable; default: seeds/)",
    )
    parser.add_argument("--index-dir", metavar="DIR", help="where to keep the search index")
    parser.add_argument(
        "--collections",
        metavar="DIR|FILE",
        help="serve several collections, one per chat: a folder with a sub-folder per "
        "collection, or a YAML/TOML file naming them (see the README's 'For teams')",
    )
    parser.add_argument(
        "--max-upload-mb",
        type=float,
        default=MAX_UPLOAD_MB,
        metavar="MB",
        help=f"largest document admins may send to the bot (default and most: {MAX_UPLOAD_MB}, "
        "Telegram's limit; 0: no uploads)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help='JSON file of retrieval settings (e.g. {"language": "es"}; see the README)',
    )
    parser.add_argument(
        "--model", help="sentence-transformers model name or path (e.g. a multilingual one)"
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="re-index the documents when files in the corpus are added, changed or removed, "
        "while answering",
    )
    parser.add_argument(
        "-k", type=_int, default=3, help=f"passages per answer (default: 3, at most {MAX_K})"
    )
    parser.add_argument(
        "--allow",
        action="append",
        metavar="USER_IDS",
        help=f"only these Telegram user ids may ask (comma-separated, repeatable; "
        f"default: ${ENV_ALLOWED_USERS}, or everyone)",
    )
    parser.add_argument(
        "--admin",
        action="append",
        metavar="USER_IDS",
        help=f"Telegram user ids who may /reload the documents (comma-separated, repeatable; "
        f"default: ${ENV_ADMIN_USERS})",
    )
    parser.add_argument(
        "--rate-limit",
        type=_int,
        default=20,
        metavar="N",
        help="questions per user per minute on Telegram (0: unlimited; default: 20)",
    )
    parser.add_argument(
        "--inline-rate-limit",
        type=_int,
        default=60,
        metavar="N",
        help="inline queries per user per minute (0: unlimited; default: 60)",
    )
    parser.add_argument(
        "--webhook-url",
        help=f"receive updates on this public URL instead of polling (default: ${ENV_WEBHOOK_URL})",
    )
    parser.add_argument(
        "--webhook-secret",
        help=f"secret token Telegram must send with each update "
        f"(default: ${ENV_WEBHOOK_SECRET}, or a random one)",
    )
    parser.add_argument(
        "--listen", default="0.0.0.0", help="webhook server address (default: 0.0.0.0)"
    )
    parser.add_argument(
        "--port", type=_int, default=8443, help="webhook server port (default: 8443)"
    )
    parser.add_argument("--workers", type=_int, default=2, help="search threads (default: 2)")
    parser.add_argument(
        "--max-batch",
        type=_int,
        default=32,
        help="most questions searched together (default: 32)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=LOG_LEVELS,
        help="logging level (default: INFO)",
    )
    return parser


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None
