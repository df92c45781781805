"""``python -m bot``: run the bot on Telegram or in the terminal."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, Sequence

from retrieval import RetrievalError, Retriever

from .answer import AnswerComposer
from .config import ENV_TOKEN, BotConfig, ConfigurationError, Mode
from .redact import configure_logging

logger = logging.getLogger(__name__)

MISSING_TOKEN = (
    f"error: no Telegram bot token: set {ENV_TOKEN} or pass --token. "
    "To chat in the terminal instead, run: python -m bot --console"
)


def resolve_mode(config: BotConfig) -> Mode:
    """The front end to run: ``auto`` becomes Telegram with a token, else the console."""
    if config.mode is Mode.AUTO:
        return Mode.TELEGRAM if config.token else Mode.CONSOLE
    return config.mode


def open_composer(config: BotConfig) -> AnswerComposer:
    """Builds (or brings up to date) the index of the corpus and wraps it in a composer.

    Raises:
        RetrievalError: the corpus or index is unusable.
    """
    retriever = Retriever.from_corpus(config.corpus or None, config.index_dir)
    return AnswerComposer(retriever, k=config.k)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Runs the command line.

    Returns:
        The exit code: 0, 2 for bad settings or an unusable corpus, 1 if the Bot API
        server cannot be used (unreachable, token rejected...), 130 if interrupted.
        Errors are one line on stderr, never a traceback, and never show the token.
    """
    try:
        config = BotConfig.from_args(argv, environ)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    mode = resolve_mode(config)
    if mode is Mode.TELEGRAM and not config.token:
        print(MISSING_TOKEN, file=sys.stderr)
        return 2
    if mode is Mode.TELEGRAM and config.webhook_url:
        # Made now, so that the log redaction knows it too.
        config = config.with_webhook_secret()
    # The console's own output is the conversation; keep library chatter to warnings.
    redactor = configure_logging(
        config.log_level if mode is Mode.TELEGRAM else "WARNING", config.secrets
    )
    try:
        return _run(config, mode)
    except RetrievalError as exc:
        print(f"error: {redactor.redact(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # e.g. the Bot API server is unreachable or rejects the token
        # The details go to the (redacting) log at DEBUG; the user gets one line.
        logger.debug("the bot stopped on an error", exc_info=True)
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        print(f"error: the bot stopped: {redactor.redact(what)}", file=sys.stderr)
        return 1


def _run(config: BotConfig, mode: Mode) -> int:
    if mode is Mode.CONSOLE:
        # Imported here: the console needs neither PTB nor its web server, and vice versa.
        from rich.console import Console

        from .console import run_console

        with Console(stderr=True).status("Loading the documents…"):  # shown on terminals only
            composer = open_composer(config)
        return run_console(composer, ask=config.ask)

    from .telegram_bot import TelegramBot

    logger.info("indexing the corpus")
    composer = open_composer(config)
    composer.warm_up()  # load the model now, so the first question is fast
    logger.info("%d passages indexed; starting the bot", len(composer.retriever))
    TelegramBot(config, composer).run()
    return 0
