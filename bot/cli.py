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
    QuestionError,
    RetrievalError,
    configure_logging,
    terminal_text,
)

from .answer import validate_question
from .args import parse_config
from .collections import Collections, CollectionsPlan, open_composer
from .config import ENV_TOKEN, BotConfig, ConfigurationError, Mode
from .redact import RedactingFilter
from .reload import IndexFollower, Reloader

logger = logging.getLogger(__name__)

MISSING_TOKEN = (
    f"error: no Telegram bot token: set {ENV_TOKEN} or pass --token. "
    "To chat in the terminal instead, run: python -m bot --console"
)


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
        plan = CollectionsPlan.read(config.collections) if config.collections else None
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
        return _run(config, mode, plan)
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


def _run(config: BotConfig, mode: Mode, plan: CollectionsPlan | None) -> int:
    # One folder to watch per collection (or the corpus's paths).
    watched = [config] if plan is None else [spec.settings(config) for spec in plan.specs]
    followers = [IndexFollower(c) for c in watched] if config.watch else []
    try:
        for follower in followers:
            # Watching starts before the index is built: a file saved meanwhile is not missed.
            follower.start()
        return _serve(config, mode, plan, followers)
    finally:
        for follower in followers:
            follower.close()


def _serve(
    config: BotConfig, mode: Mode, plan: CollectionsPlan | None, followers: list[IndexFollower]
) -> int:
    if mode is Mode.CONSOLE:
        # Imported here: the console needs neither PTB nor its web server, and vice versa.
        from rich.console import Console

        from .console import run_console

        with Console(stderr=True).status("Loading the documents…"):  # shown on terminals only
            composer = open_composer(config)
        for follower in followers:
            follower.follow(Reloader.for_config(config, composer))
        return run_console(composer, ask=config.ask, json_lines=config.json_lines)

    from .telegram import TelegramBot

    if plan is None:
        logger.info("indexing the corpus")
        collections = Collections.single(config, open_composer(config))
    else:
        logger.info("indexing %d collections", len(plan.specs))
        collections = Collections.open(plan, config)
    # One reloader per collection for /reload, uploads and --watch: they never
    # re-index at once.
    if followers:
        for follower, collection in zip(followers, collections, strict=True):
            follower.follow(collection.reloader)
    # The model loads once the Bot API has accepted the token (see TelegramBot's start):
    # a wrong token or an unreachable server is reported in a second, not after it.
    for collection in collections:
        passages = len(collection.composer.retriever)
        logger.info("collection %s: %d passages indexed", collection.name, passages)
    logger.info("starting the bot")
    TelegramBot(config, collections).run()
    return 0
