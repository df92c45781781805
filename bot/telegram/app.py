"""The Telegram front end's wiring: a python-telegram-bot ``Application`` built for a
:class:`~bot.config.BotConfig`, its handlers registered, run by polling or a webhook.

Every reply is composed by :class:`~bot.answer.AnswerComposer` (through the batching
:class:`~bot.service.QueryService`), decided on by :mod:`.handlers` and sent by
:mod:`.delivery`; this module only puts them together and runs them.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any, TypeAlias

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    InlineQueryHandler,
    JobQueue,
    MessageHandler,
    filters,
)

from .. import texts
from ..collections import Collections
from ..config import BotConfig
from .access import Access
from .collections import CollectionHandlers
from .delivery import Delivery, quietly
from .documents import FORGET_PATTERN, DocumentHandlers
from .handlers import Handlers
from .paging import VOTE_PATTERN, QuestionStore

logger = logging.getLogger(__name__)

#: The update types the bot handles (asked of Telegram explicitly: its default omits
#: none of these today, but a webhook keeps whatever an earlier run registered).
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
]
#: The signals that stop the bot in order (PTB's own default set).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)
#: How often the rate limiter retries a request that met flood control (429).
FLOOD_RETRIES = 3
# Messages from users (or edits of them); channel posts are not questions.
_USER_MESSAGES = filters.UpdateType.MESSAGES

#: The application type: PTB's default builder, with a rate limiter (whose per-request
#: arguments are ints: ``AIORateLimiter``'s ``max_retries``).
BotApplication: TypeAlias = Application[
    ExtBot[int],
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]


class StopSignals:
    """Stops the bot in order on the FIRST stop signal, and ignores the ones after it.

    PTB's own handler (``run_polling``'s default ``stop_signals``) raises ``SystemExit``
    on every signal. Its orderly stop (stop polling, confirm the updates taken, wait for
    the replies in flight, shut down) runs in a ``finally`` block on the same event
    loop, so a second SIGTERM or SIGINT (an impatient Ctrl-C, a supervisor signalling
    twice, a test harness) raised ``SystemExit`` again inside that block: the replies
    in flight were dropped, their updates already confirmed to Telegram, and the
    process still exited 0. Here the first signal raises ``SystemExit`` as PTB's would
    (so its stop runs exactly as before); later ones are logged and ignored (SIGKILL
    still stops the bot at once).

    Args:
        signals: the signals to handle.
    """

    def __init__(self, signals: Sequence[int] = STOP_SIGNALS) -> None:
        self.signals = tuple(signals)
        #: The signal that started the stop, once one came.
        self.received: int | None = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Handles the signals on ``loop`` (the loop the application will run on)."""
        for sig in self.signals:
            loop.add_signal_handler(sig, self.on_signal, sig)

    def on_signal(self, sig: int) -> None:
        """Starts the orderly stop (the first signal) or logs that it is under way.

        Raises:
            SystemExit: on the first signal, for ``run_polling``/``run_webhook`` to catch.
        """
        name = signal.Signals(sig).name
        if self.received is not None:
            logger.warning(
                "%s received while stopping: ignored; finishing the replies in flight first",
                name,
            )
            return
        self.received = sig
        logger.info("%s received: finishing the replies in flight, then stopping", name)
        raise SystemExit  # caught by run_polling/run_webhook, which then stop in order


class MessageRateLimiter(AIORateLimiter):
    """PTB's rate limiter, except for chat actions ("typing…").

    ``AIORateLimiter`` counts every call with a ``chat_id`` against Telegram's 30
    messages a second, so the typing indicator sent with each question halved the
    answers a busy bot could send (measured: p50 latency 7.5 s for 1000 questions in
    50 s). Chat actions are not messages: they pass straight through; a 429 on one is
    ignored like any other failure of that cosmetic call.
    """

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Sends chat actions at once, everything else through the rate limiter."""
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


class TelegramBot:
    """The bot's behaviour on Telegram.

    Args:
        config: the settings (``token`` must be set).
        collections: the collections served (one, for ``--corpus``: see
            :meth:`Collections.single`), each with its composer, query service,
            conversations, feedback and reloader (which ``--watch`` shares, so that the
            two never re-index at once).

    Raises:
        ValueError: ``config`` has no token.
    """

    def __init__(self, config: BotConfig, collections: Collections) -> None:
        if not config.token:
            raise ValueError("a bot token is required")
        self.config = config
        self.collections = collections
        self.access = Access.from_config(config)
        self.delivery = Delivery(QuestionStore())
        shared = (collections, self.access, self.delivery)
        self.handlers = Handlers(*shared)
        self.collection_handlers = CollectionHandlers(*shared)
        self.document_handlers = DocumentHandlers(*shared, max_upload_mb=config.max_upload_mb)

    def build_application(self) -> BotApplication:
        """A ready-to-run application (``run_polling``/``run_webhook``) for this bot."""
        app = (
            ApplicationBuilder()
            .token(self.config.token or "")
            .base_url(self.config.base_url)
            .base_file_url(self.config.base_file_url)
            # Answers cite their sources with links: no preview cards under the passages.
            .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
            .concurrent_updates(True)
            .rate_limiter(MessageRateLimiter(max_retries=FLOOD_RETRIES))
            .post_init(self._post_init)
            .post_shutdown(self._post_shutdown)
            .build()
        )
        self._register(app)
        return app

    def run(self) -> None:
        """Runs the bot until interrupted: long polling, or a webhook when configured.

        SIGTERM or SIGINT stops it in order (see :class:`StopSignals`): the questions it
        has taken are answered, then it returns (exit code 0).
        """
        app = self.build_application()
        # run_polling/run_webhook run on the current event loop: make it now, so the
        # stop signals are handled from the start (also while connecting).
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        StopSignals().install(loop)
        if self.config.webhook_url:
            config = self.config.with_webhook_secret()
            app.run_webhook(
                listen=config.listen,
                port=config.port,
                url_path=config.webhook_path,
                webhook_url=config.webhook_url,
                secret_token=config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                stop_signals=None,  # StopSignals handles them
            )
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None)

    def _register(self, app: BotApplication) -> None:
        h, c, d = self.handlers, self.collection_handlers, self.document_handlers
        for name, callback in [
            ("start", h.on_start),
            ("help", h.on_help),
            ("sources", h.on_sources),
            ("ask", h.on_ask),
            ("new", h.on_new),
            ("reload", h.on_reload),
            ("stats", h.on_stats),
            ("collections", c.on_collections),
            ("use", c.on_use),
            ("docs", d.on_docs),
            ("forget", d.on_forget),
        ]:
            app.add_handler(CommandHandler(name, callback, filters=_USER_MESSAGES))
        app.add_handler(MessageHandler(_USER_MESSAGES & filters.TEXT & ~filters.COMMAND, h.on_text))
        app.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & filters.Document.ALL, d.on_document)
        )
        app.add_handler(
            MessageHandler(
                filters.UpdateType.MESSAGE & filters.COMMAND & filters.ChatType.PRIVATE,
                h.on_unknown_command,
            )
        )
        app.add_handler(
            MessageHandler(
                filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                h.on_non_text,
            )
        )
        app.add_handler(CallbackQueryHandler(h.on_vote, pattern=VOTE_PATTERN))
        app.add_handler(CallbackQueryHandler(d.on_forget_button, pattern=FORGET_PATTERN))
        app.add_handler(CallbackQueryHandler(h.on_more))
        app.add_handler(InlineQueryHandler(h.on_inline))
        app.add_error_handler(h.on_error)

    async def _post_init(self, app: BotApplication) -> None:
        # The Bot API has answered getMe: now load the model (off the event loop, so
        # the stop signals are still handled), so that the first question is fast.
        loop = asyncio.get_running_loop()
        for collection in self.collections:
            await loop.run_in_executor(None, collection.composer.warm_up)
            await collection.service.start()
        # Cosmetic (the command menus): the bot works without them.
        for scope, commands in command_menus(self.config.admin_users):
            menu = [BotCommand(name, about) for name, about in commands]
            await quietly(app.bot.set_my_commands(menu, scope=scope), "setMyCommands")
        logger.info("bot @%s is ready", app.bot.username)

    async def _post_shutdown(self, app: BotApplication) -> None:
        await self.collections.stop()
        self.collections.close()


def command_menus(
    admins: Iterable[int],
) -> list[tuple[BotCommandScope, tuple[tuple[str, str], ...]]]:
    """The command menu of each scope: everyone's (groups), private chats' (no /ask:
    anything typed there is a question), groups' administrators' (their chat's
    documents, reload and statistics), and each configured admin's private chat (the
    same, which only they may use there)."""
    private = tuple(c for c in texts.TELEGRAM_COMMANDS if c[0] != "ask")
    admin = texts.CHAT_ADMIN_COMMANDS + texts.ADMIN_COMMANDS
    menus: list[tuple[BotCommandScope, tuple[tuple[str, str], ...]]] = [
        (BotCommandScopeDefault(), texts.TELEGRAM_COMMANDS),
        (BotCommandScopeAllPrivateChats(), private),
        (BotCommandScopeAllChatAdministrators(), texts.TELEGRAM_COMMANDS + admin),
    ]
    menus += [(BotCommandScopeChat(user), private + admin) for user in sorted(admins)]
    return menus


def build_application(config: BotConfig, collections: Collections) -> BotApplication:
    """Shortcut: the application of a :class:`TelegramBot` for ``config``."""
    return TelegramBot(config, collections).build_application()
