"""Bot settings: the :class:`BotConfig` dataclass and the rules its values must follow.

Every setting is validated here, once, when a config is made (whether from the command
line, see :mod:`bot.args`, or in code), so a bad value fails before anything slow (the
index, the model) is loaded, always with the same one-line message.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from retrieval import RetrievalConfig

DEFAULT_API_URL = "https://api.telegram.org"
#: Environment variables read when the matching flag is not given.
ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_API_URL = "TELEGRAM_API_URL"
ENV_ALLOWED_USERS = "TELEGRAM_ALLOWED_USERS"
ENV_ADMIN_USERS = "TELEGRAM_ADMIN_USERS"
ENV_WEBHOOK_URL = "TELEGRAM_WEBHOOK_URL"
ENV_WEBHOOK_SECRET = "TELEGRAM_WEBHOOK_SECRET"
#: Telegram's limit on the files a bot may download, in MB.
MAX_UPLOAD_MB = 20
#: The most passages one answer page may show (more would not fit a phone screen).
MAX_K = 10
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
        collections: several named collections instead of ``corpus``: a folder of
            sub-folders or a YAML/TOML file (see :mod:`bot.collections`); Telegram only.
        retrieval: the retrieval settings (a JSON file's, ``--config``; the model of
            ``--model``): e.g. another language and a multilingual model.
        k: passages per answer page (1 to :data:`MAX_K`).
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
        json_lines: the console prints one JSON object per answer (a line each).
        conversation_minutes: a chat's follow-up questions are read with its previous
            questions in mind until it has been idle this long (0: never).
        conversations_db: an SQLite file that keeps the chats' conversations across
            restarts (None: in memory only).
        feedback: 👍 / 👎 buttons under answers, and questions and votes kept beside
            the index (``feedback.sqlite``) for ``/stats`` and ``feedback export``.
        watch: re-index the corpus when its files change, while serving.
        max_upload_mb: the largest document an admin may send to the bot, in MB (at
            most Telegram's 20 MB download limit; 0: no uploads).
        workers: threads that run searches.
        max_batch: most questions searched in one model call.
        log_level: logging level name.

    Raises:
        ConfigurationError: a value is unusable (the message names the flag).
    """

    mode: Mode = Mode.TELEGRAM
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    corpus: tuple[Path, ...] = ()
    index_dir: Path | None = None
    collections: Path | None = None
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
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
    json_lines: bool = False
    conversation_minutes: float = 15.0
    conversations_db: Path | None = None
    feedback: bool = True
    watch: bool = False
    max_upload_mb: float = MAX_UPLOAD_MB
    workers: int = 2
    max_batch: int = 32
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if not 1 <= self.k <= MAX_K:
            raise ConfigurationError(f"-k must be between 1 and {MAX_K}, not {self.k}")
        _check_at_least(self.rate_limit, 0, "--rate-limit")
        _check_at_least(self.inline_rate_limit, 0, "--inline-rate-limit")
        if not 0 < self.port < 65536:
            raise ConfigurationError(f"--port must be between 1 and 65535, not {self.port}")
        if not 0 <= self.conversation_minutes <= 7 * 24 * 60:
            raise ConfigurationError(
                "--conversation-minutes must be between 0 and 10080 (a week), "
                f"not {self.conversation_minutes}"
            )
        if self.watch and self.ask is not None:
            raise ConfigurationError("--watch keeps the bot running: it cannot be used with --ask")
        if self.collections is not None and (self.corpus or self.index_dir is not None):
            raise ConfigurationError(
                "--collections names each collection's folder and index: "
                "it cannot be used with --corpus or --index-dir"
            )
        if self.collections is not None and self.mode is Mode.CONSOLE:
            raise ConfigurationError(
                "--collections serves Telegram chats; in the console, pass one "
                "collection's folder with --corpus"
            )
        if not 0 <= self.max_upload_mb <= MAX_UPLOAD_MB:
            raise ConfigurationError(
                f"--max-upload-mb must be between 0 and {MAX_UPLOAD_MB} "
                f"(Telegram's download limit), not {self.max_upload_mb:g}"
            )
        _check_at_least(self.workers, 1, "--workers")
        _check_at_least(self.max_batch, 1, "--max-batch")
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

    def resolved_mode(self) -> Mode:
        """The front end to run: ``auto`` becomes Telegram with a token, else the console."""
        if self.mode is Mode.AUTO:
            return Mode.TELEGRAM if self.token else Mode.CONSOLE
        return self.mode

    def replace(self, **changes: Any) -> BotConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def with_webhook_secret(self) -> BotConfig:
        """This config, with a freshly generated webhook secret if none was set."""
        if self.webhook_secret:
            return self
        return self.replace(webhook_secret=secrets.token_urlsafe(32))


def parse_user_ids(text: str, what: str = "allowed users") -> frozenset[int]:
    """Parses ``"123, 456 789"`` (commas and/or spaces) into user ids.

    Args:
        text: the ids.
        what: what they are, for the error message.

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


def _check_at_least(value: int, least: int, name: str) -> None:
    if value < least:
        what = "0 or more" if least == 0 else "a positive integer"
        raise ConfigurationError(f"{name} must be {what}, not {value}")


def _check_http_url(url: str, name: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"{name} must be an http(s) URL, not {url!r}")
