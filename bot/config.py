"""Bot settings: one dataclass, built from command-line flags and the environment."""

from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://api.telegram.org"
#: Environment variables read when the matching flag is not given.
ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_API_URL = "TELEGRAM_API_URL"
ENV_ALLOWED_USERS = "TELEGRAM_ALLOWED_USERS"
ENV_ADMIN_USERS = "TELEGRAM_ADMIN_USERS"
ENV_WEBHOOK_URL = "TELEGRAM_WEBHOOK_URL"
ENV_WEBHOOK_SECRET = "TELEGRAM_WEBHOOK_SECRET"
# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - as a webhook secret token.
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class ConfigurationError(ValueError):
    """A flag or environment variable has an unusable value (one-line message)."""


class Mode(str, Enum):
    """Which front end ``python -m bot`` runs."""

    TELEGRAM = "telegram"
    CONSOLE = "console"
    #: Telegram when a token is configured, else the console.
    AUTO = "auto"


@dataclass(frozen=True)
class BotConfig:
    """Everything the bot front ends need to know.

    Attributes:
        mode: which front end to run.
        token: the Telegram bot token (``None``: not configured).
        api_url: root of the Bot API server; the bot calls ``{api_url}/bot{token}/METHOD``.
        corpus: files or folders to index (empty: the retrieval default, ``seeds/``).
        index_dir: where the index is kept (``None``: the retrieval default cache folder).
        k: passages per answer page.
        allowed_users: Telegram user ids allowed to use the bot (empty: everyone).
        admin_users: Telegram user ids allowed to ``/reload`` the documents (always
            allowed to use the bot too).
        rate_limit: questions per user per minute (0: unlimited).
        inline_rate_limit: inline queries per user per minute (0: unlimited); looser
            than ``rate_limit``, since Telegram sends one as the user types.
        webhook_url: public HTTPS URL Telegram posts updates to; ``None`` means polling.
        webhook_secret: the secret Telegram sends in ``X-Telegram-Bot-Api-Secret-Token``.
        listen: address the webhook server binds.
        port: port the webhook server binds.
        ask: a single question to answer (then exit) instead of running a chat.
        workers: threads that run searches.
        max_batch: most questions searched in one model call.
        log_level: logging level name.
    """

    mode: Mode = Mode.TELEGRAM
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    corpus: tuple[Path, ...] = ()
    index_dir: Path | None = None
    k: int = 3
    allowed_users: frozenset[int] = field(default_factory=frozenset)
    admin_users: frozenset[int] = field(default_factory=frozenset)
    rate_limit: int = 20
    inline_rate_limit: int = 60
    webhook_url: str | None = None
    webhook_secret: str | None = None
    listen: str = "0.0.0.0"
    port: int = 8443
    ask: str | None = None
    workers: int = 2
    max_batch: int = 32
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if self.k < 1 or self.k > 10:
            raise ConfigurationError(f"-k must be between 1 and 10, not {self.k}")
        if self.rate_limit < 0:
            raise ConfigurationError(f"--rate-limit must be 0 or more, not {self.rate_limit}")
        if self.inline_rate_limit < 0:
            raise ConfigurationError(
                f"--inline-rate-limit must be 0 or more, not {self.inline_rate_limit}"
            )
        if not 0 < self.port < 65536:
            raise ConfigurationError(f"--port must be between 1 and 65535, not {self.port}")
        if self.workers < 1 or self.max_batch < 1:
            raise ConfigurationError("--workers and --max-batch must be positive")
        if self.token is not None and (
            not self.token.strip() or any(c.isspace() for c in self.token)
        ):
            raise ConfigurationError("the bot token is empty or contains spaces")
        _check_http_url(self.api_url, "--api-url")
        if self.webhook_url is not None:
            _check_http_url(self.webhook_url, "--webhook-url")
        if self.webhook_secret is not None and not (
            0 < len(self.webhook_secret) <= 256 and set(self.webhook_secret) <= _SECRET_CHARS
        ):
            raise ConfigurationError(
                "--webhook-secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url``."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url``."""
        return f"{self.api_url}/file/bot"

    @property
    def webhook_path(self) -> str:
        """The path part of the webhook URL, which the local webhook server serves."""
        return urlsplit(self.webhook_url or "").path.strip("/")

    @property
    def secrets(self) -> tuple[str, ...]:
        """Strings that must never reach a log."""
        return tuple(s for s in (self.token, self.webhook_secret) if s)

    def replace(self, **changes: Any) -> BotConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def with_webhook_secret(self) -> BotConfig:
        """This config, with a freshly generated webhook secret if none was set."""
        if self.webhook_secret:
            return self
        return self.replace(webhook_secret=secrets.token_urlsafe(32))

    @classmethod
    def from_args(
        cls, argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
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
        if args.console or args.ask is not None:
            mode = Mode.CONSOLE
        elif args.auto:
            mode = Mode.AUTO
        return cls(
            mode=mode,
            token=_blank_to_none(args.token) or _blank_to_none(env.get(ENV_TOKEN)),
            api_url=(args.api_url or env.get(ENV_API_URL) or DEFAULT_API_URL).rstrip("/"),
            corpus=tuple(Path(p) for p in args.corpus or ()),
            index_dir=Path(args.index_dir) if args.index_dir else None,
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
            webhook_url=_blank_to_none(args.webhook_url)
            or _blank_to_none(env.get(ENV_WEBHOOK_URL)),
            webhook_secret=_blank_to_none(args.webhook_secret)
            or _blank_to_none(env.get(ENV_WEBHOOK_SECRET)),
            listen=args.listen,
            port=args.port,
            ask=args.ask,
            workers=args.workers,
            max_batch=args.max_batch,
            log_level=args.log_level,
        )


def parse_user_ids(text: str, what: str = "allowed users") -> frozenset[int]:
    """Parses ``"123, 456 789"`` (commas and/or spaces) into user ids.

    Raises:
        ConfigurationError: an item is not an integer.
    """
    ids = set()
    for item in text.replace(",", " ").split():
        try:
            ids.add(int(item))
        except ValueError:
            raise ConfigurationError(f"{what} must be numeric user ids, not {item!r}") from None
    return frozenset(ids)


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
        "-k", type=_positive_int, default=3, help="passages per answer (default: 3, at most 10)"
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
        type=_non_negative_int,
        default=20,
        metavar="N",
        help="questions per user per minute on Telegram (0: unlimited; default: 20)",
    )
    parser.add_argument(
        "--inline-rate-limit",
        type=_non_negative_int,
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
        "--port", type=_positive_int, default=8443, help="webhook server port (default: 8443)"
    )
    parser.add_argument(
        "--workers", type=_positive_int, default=2, help="search threads (default: 2)"
    )
    parser.add_argument(
        "--max-batch",
        type=_positive_int,
        default=32,
        help="most questions searched together (default: 32)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging level (default: INFO)",
    )
    return parser


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _check_http_url(url: str, name: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"{name} must be an http(s) URL, not {url!r}")
