"""``python -m bot``: run the bot on Telegram or in the terminal.

:func:`main` is the whole command line, callable in process (``main(argv, environ)``
returns the exit code). Every setting is checked before the index and the model load,
which takes seconds; only then is the chosen front end started.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, Sequence

from retrieval import (
    SERVICE_FORMAT,
    Encoder,
    QuestionError,
    RetrievalError,
    Retriever,
    configure_logging,
    terminal_text,
)

from .answer import AnswerComposer, validate_question
from .args import parse_config
from .config import ENV_TOKEN, BotConfig, ConfigurationError, Mode
from .redact import RedactingFilter
from .reload import IndexFollower, Reloader

logger = logging.getLogger(__name__)

MISSING_TOKEN = (
    f"error: no Telegram bot token: set {ENV_TOKEN} or pass --token. "
    "To chat in the terminal instead, run: python -m bot --console"
)


def open_composer(config: BotConfig, encoder: Encoder | None = None) -> AnswerComposer:
    """Builds (or brings up to date) the index of the corpus and wraps it in a composer.

    Args:
        config: the settings (``corpus``, ``index_dir``, ``k``).
        encoder: an already loaded model to share (default: load the index's model).

    Raises:
        RetrievalError: the corpus or index is unusable.
    """
    retriever = Retriever.from_corpus(
        config.corpus or None, config.index_dir, config.retrieval, encoder=encoder
    )
    return AnswerComposer(retriever, k=config.k, idle_seconds=config.conversation_minutes * 60)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Runs the command line.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
        environ: the environment (default: ``os.environ``).

    Returns:
        The exit code: 0, 2 for bad settings or an unusable corpus, 1 if the Bot API
        server cannot be used (unreachable, token rejected...), 130 if interrupted.
        Errors are one line on stderr, never a traceback, and never show the token.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["feedback"]:  # python -m bot feedback export ...
        from .feedback import export_main

        return export_main(args[1:])
    try:
        config = parse_config(argv, environ)
    except SystemExit as exc:  # argparse has printed the usage line and why (or --help)
        return exc.code if isinstance(exc.code, int) else 2
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    mode = config.resolved_mode()
    if mode is Mode.TELEGRAM and not config.token:
        print(MISSING_TOKEN, file=sys.stderr)
        return 2
    if config.ask is not None:
        try:  # an empty question fails now, not after the model has loaded
            validate_question(config.ask)
        except QuestionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if mode is Mode.TELEGRAM and config.webhook_url:
        # Made now, so that the log redaction knows it too.
        config = config.with_webhook_secret()
    redactor = RedactingFilter(config.secrets)
    # The console's own output is the conversation; keep library chatter to warnings.
    level = config.log_level if mode is Mode.TELEGRAM else "WARNING"
    configure_logging(level, fmt=SERVICE_FORMAT, filters=[redactor])
    try:
        return _run(config, mode)
    except RetrievalError as exc:  # may quote a file name: shown, never obeyed
        print(f"error: {terminal_text(redactor.redact(str(exc)))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # while loading, or in --ask or a piped console
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # e.g. the Bot API server is unreachable or rejects the token
        # The details go to the (redacting) log at DEBUG; the user gets one line.
        logger.debug("the bot stopped on an error", exc_info=True)
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        print(f"error: the bot stopped: {redactor.redact(what)}", file=sys.stderr)
        return 1


def _run(config: BotConfig, mode: Mode) -> int:
    follower = IndexFollower(config) if config.watch else None
    if follower is not None:
        # Watching starts before the index is built: a file saved meanwhile is not missed.
        follower.start()
    try:
        return _serve(config, mode, follower)
    finally:
        if follower is not None:
            follower.close()


def _serve(config: BotConfig, mode: Mode, follower: IndexFollower | None) -> int:
    if mode is Mode.CONSOLE:
        # Imported here: the console needs neither PTB nor its web server, and vice versa.
        from rich.console import Console

        from .console import run_console

        with Console(stderr=True).status("Loading the documents…"):  # shown on terminals only
            composer = open_composer(config)
        if follower is not None:
            follower.follow(Reloader.for_config(config, composer))
        return run_console(composer, ask=config.ask, json_lines=config.json_lines)

    from .telegram import TelegramBot

    logger.info("indexing the corpus")
    composer = open_composer(config)
    # One reloader for /reload and --watch: they never re-index at once.
    reloader = Reloader.for_config(config, composer)
    if follower is not None:
        follower.follow(reloader)
    # The model loads once the Bot API has accepted the token (see TelegramBot's start):
    # a wrong token or an unreachable server is reported in a second, not after it.
    logger.info("%d passages indexed; starting the bot", len(composer.retriever))
    TelegramBot(config, composer, reloader=reloader).run()
    return 0
