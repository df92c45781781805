"""The Telegram front end: a python-telegram-bot ``Application`` and its handlers.

Every reply is composed by :class:`~bot.answer.AnswerComposer` (through the batching
:class:`~bot.service.QueryService`) and rendered by :mod:`bot.telegram_render`; this
module only decides when to answer, whom, and how to deliver it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from retrieval import QuestionError, RetrievalError, Retriever

from . import texts
from .answer import Answer, AnswerComposer
from .config import BotConfig
from .paging import PageRequest, QuestionStore
from .ratelimit import RateLimiter
from .service import QueryService
from .telegram_render import (
    inline_description,
    render_answer,
    render_help,
    render_inline_message,
    render_notice,
    render_sources,
    render_start,
)

logger = logging.getLogger(__name__)

#: The update types the bot handles (asked of Telegram explicitly: its default omits
#: none of these today, but a webhook keeps whatever an earlier run registered).
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
]
#: Attempts for a message whose sending fails on the network.
SEND_ATTEMPTS = 3
INLINE_CACHE_SECONDS = 60
# Messages from users (or edits of them); channel posts are not questions.
_USER_MESSAGES = filters.UpdateType.MESSAGES
#: The signals that stop the bot in order (PTB's own default set).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


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
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


class TelegramBot:
    """The bot's behaviour on Telegram.

    Args:
        config: the settings (``token`` must be set).
        composer: answers questions.
        service: runs searches off the event loop (default: one built from ``config``).
        rebuild: what ``/reload`` runs (in a worker thread) to get the new retriever
            (default: index ``config.corpus`` again into ``config.index_dir``, reusing
            the loaded model).
    """

    def __init__(
        self,
        config: BotConfig,
        composer: AnswerComposer,
        service: QueryService | None = None,
        rebuild: Callable[[], Retriever] | None = None,
    ) -> None:
        if not config.token:
            raise ValueError("a bot token is required")
        self.config = config
        self.composer = composer
        self.service = service or QueryService(composer, config.workers, config.max_batch)
        self.questions = QuestionStore()
        self.limiter = RateLimiter(config.rate_limit)
        self.inline_limiter = RateLimiter(config.inline_rate_limit)
        self.rebuild = rebuild or self._rebuild_from_corpus
        self._reloading = False
        self._background: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ wiring

    def build_application(self) -> Application:
        """A ready-to-run application (``run_polling``/``run_webhook``) for this bot."""
        app = (
            ApplicationBuilder()
            .token(self.config.token or "")
            .base_url(self.config.base_url)
            .base_file_url(self.config.base_file_url)
            # Answers cite their sources with links: no preview cards under the passages.
            .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
            .concurrent_updates(True)
            .rate_limiter(MessageRateLimiter(max_retries=3))
            .post_init(self._post_init)
            .post_shutdown(self._post_shutdown)
            .build()
        )
        app.add_handler(CommandHandler("start", self.on_start, filters=_USER_MESSAGES))
        app.add_handler(CommandHandler("help", self.on_help, filters=_USER_MESSAGES))
        app.add_handler(CommandHandler("sources", self.on_sources, filters=_USER_MESSAGES))
        app.add_handler(CommandHandler("ask", self.on_ask, filters=_USER_MESSAGES))
        app.add_handler(CommandHandler("reload", self.on_reload, filters=_USER_MESSAGES))
        app.add_handler(
            MessageHandler(_USER_MESSAGES & filters.TEXT & ~filters.COMMAND, self.on_text)
        )
        app.add_handler(
            MessageHandler(
                filters.UpdateType.MESSAGE & filters.COMMAND & filters.ChatType.PRIVATE,
                self.on_unknown_command,
            )
        )
        app.add_handler(
            MessageHandler(
                filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                self.on_non_text,
            )
        )
        app.add_handler(CallbackQueryHandler(self.on_more))
        app.add_handler(InlineQueryHandler(self.on_inline))
        app.add_error_handler(self.on_error)
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

    async def _post_init(self, app: Application) -> None:
        await self.service.start()
        commands = [BotCommand(name, about) for name, about in texts.TELEGRAM_COMMANDS]
        # Cosmetic (the command menu): the bot works without it.
        await _quietly(app.bot.set_my_commands(commands), "setMyCommands")
        logger.info("bot @%s is ready", app.bot.username)

    async def _post_shutdown(self, app: Application) -> None:
        await self.service.stop()

    # ------------------------------------------------------------------ commands

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/start``: what the bot knows about, how to ask, examples."""
        if await self._admitted(update, context, count=False):
            await self._reply(update, context, render_start(self.composer.sources()))

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/help``: how to use the bot."""
        if await self._admitted(update, context, count=False):
            await self._reply(update, context, render_help())

    async def on_sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/sources``: the documents and their titles."""
        if await self._admitted(update, context, count=False):
            await self._reply(update, context, render_sources(self.composer.sources()))

    async def on_ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/ask question``: a question, the way to ask in a group without mentioning."""
        question = " ".join(context.args or [])
        if not question.strip():
            if await self._admitted(update, context, count=False):
                await self._reply(update, context, [render_notice(texts.EMPTY_QUESTION)])
            return
        await self._answer(update, context, question)

    async def on_reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/reload`` (admins only): index the corpus again and answer from the new index.

        The rebuild runs in a worker thread while questions keep being answered from the
        old index; the new one is then swapped in by one reference assignment (searches
        already running finish on the old one). If the rebuild fails, nothing changes.
        """
        user = update.effective_user
        if user is None or user.id not in self.config.admin_users:
            if await self._admitted(update, context, count=False):
                await self._reply(update, context, [render_notice(texts.ADMINS_ONLY)])
            return
        if self._reloading:
            await self._reply(update, context, [render_notice(texts.RELOAD_BUSY)])
            return
        self._reloading = True
        try:
            logger.info("reload requested by admin %d: indexing the corpus", user.id)
            await self._reply(update, context, [render_notice(texts.RELOADING)])
            try:
                retriever = await asyncio.get_running_loop().run_in_executor(None, self.rebuild)
            except RetrievalError as exc:
                logger.warning("reload failed: %s", exc)
                await self._reply(update, context, [render_notice(f"{texts.RELOAD_FAILED} {exc}")])
                return
            self.composer.swap(retriever)
            documents = len(self.composer.sources())
            logger.info("reloaded: %d passages from %d documents", len(retriever), documents)
            notice = texts.reloaded(len(retriever), documents, retriever.embedded)
            await self._reply(update, context, [render_notice(notice)])
        finally:
            self._reloading = False

    def _rebuild_from_corpus(self) -> Retriever:
        current = self.composer.retriever
        return Retriever.from_corpus(
            self.config.corpus or None, self.config.index_dir, encoder=current.encoder
        )

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An unknown command in a private chat."""
        if await self._admitted(update, context, count=False):
            await self._reply(update, context, [render_notice(texts.UNKNOWN_COMMAND)])

    # ------------------------------------------------------------------ messages

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text message (new or edited): a question, if it is addressed to the bot."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        question = message.text
        if not _is_private(message):
            question = _addressed_question(message, context.bot.id, context.bot.username)
            if question is None:
                return  # group chatter not meant for the bot
        await self._answer(update, context, question)

    async def on_non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker, photo, voice message...: a hint that only text is understood."""
        message = update.effective_message
        if message is None:
            return
        if not _is_private(message) and not _replies_to(message, context.bot.id):
            return
        if await self._admitted(update, context, count=False):
            await self._reply(update, context, [render_notice(texts.NON_TEXT)])

    async def _answer(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str
    ) -> None:
        if not await self._admitted(update, context):
            return
        message = update.effective_message
        assert message is not None
        self._in_background(_quietly(message.chat.send_action(ChatAction.TYPING), "typing"))
        try:
            answer = await self.service.answer(question)
        except QuestionError:
            await self._reply(update, context, [render_notice(texts.EMPTY_QUESTION)])
            return
        except RetrievalError as exc:
            await self._reply(update, context, [render_notice(str(exc))])
            return
        await self._send_answer(context, message.chat_id, answer, reply_to=message.message_id)

    # ------------------------------------------------------------------ buttons

    async def on_more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The "More results" button: the next page of the question's answer."""
        query = update.callback_query
        if query is None:
            return
        chat_id = query.message.chat.id if query.message is not None else None
        request = PageRequest.decode(query.data)
        stored = self.questions.get(request.key, chat_id) if request else None
        if chat_id is None or request is None or stored is None:
            await self._tell(query, context, texts.EXPIRED)
            return
        if not self._allowed(update):
            await self._tell(query, context, texts.NOT_ALLOWED)
            return
        wait = self.limiter.check(query.from_user.id)
        if wait:
            await self._tell(query, context, texts.rate_limited(wait))
            return
        # Stop the button's spinner, and take the button away: its page is being shown.
        await _quietly(query.answer(), "answerCallbackQuery")
        # Omitting the markup is how the Bot API removes an inline keyboard.
        await _quietly(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
        self._in_background(
            _quietly(context.bot.send_chat_action(chat_id, ChatAction.TYPING), "typing")
        )
        answer = await self.service.answer(stored.question, request.offset)
        reply_to = query.message.message_id if query.message is not None else None
        await self._send_answer(context, chat_id, answer, reply_to=reply_to)

    # ------------------------------------------------------------------ inline mode

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``@bot question`` in any chat: the passages as results to pick from."""
        query = update.inline_query
        if query is None:
            return
        if not self._allowed(update):
            refusal = InlineQueryResultsButton(text=texts.NOT_ALLOWED, start_parameter="help")
            await _quietly(query.answer([], cache_time=0, button=refusal), "answerInlineQuery")
            return
        if not query.query.strip():
            await _quietly(query.answer([], cache_time=0), "answerInlineQuery")
            return
        wait = self.inline_limiter.check(query.from_user.id)
        if wait:
            notice = InlineQueryResultsButton(text=texts.rate_limited(wait), start_parameter="help")
            await _quietly(query.answer([], cache_time=0, button=notice), "answerInlineQuery")
            return
        offset = int(query.offset) if query.offset.isdigit() else 0
        answer = await self.service.answer(query.query, offset)
        results = [
            InlineQueryResultArticle(
                id=str(passage.rank),
                title=passage.title or passage.source,
                description=inline_description(passage),
                input_message_content=InputTextMessageContent(
                    render_inline_message(passage),
                    parse_mode=ParseMode.HTML,
                ),
            )
            for passage in answer.passages
        ]
        button = None
        if not results and not offset:
            button = InlineQueryResultsButton(text=texts.NO_ANSWER, start_parameter="help")
        await query.answer(
            results,
            cache_time=INLINE_CACHE_SECONDS,
            next_offset=str(answer.next_offset) if answer.has_more else "",
            button=button,
        )

    # ------------------------------------------------------------------ errors

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Logs an error and tells the user something went wrong; the bot keeps running."""
        logger.error("error while handling an update", exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        # Reply to the message that failed, so the user knows which question it was.
        message = update.effective_message
        reply_to = message.message_id if message is not None else None
        with contextlib.suppress(TelegramError):
            await self._send(
                context, update.effective_chat.id, render_notice(texts.ERROR), reply_to=reply_to
            )

    # ------------------------------------------------------------------ helpers

    def _allowed(self, update: Update) -> bool:
        users = self.config.allowed_users
        user = update.effective_user
        return not users or (
            user is not None and (user.id in users or user.id in self.config.admin_users)
        )

    async def _admitted(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, count: bool = True
    ) -> bool:
        """Whether to serve the update's user (replying why not, if not).

        Args:
            count: the request is a question, which counts toward the rate limit.
        """
        if not self._allowed(update):
            await self._reply(update, context, [render_notice(texts.NOT_ALLOWED)])
            return False
        if count and update.effective_user is not None:
            wait = self.limiter.check(update.effective_user.id)
            if wait:
                await self._reply(update, context, [render_notice(texts.rate_limited(wait))])
                return False
        return True

    async def _reply(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, messages: Sequence[str]
    ) -> None:
        message = update.effective_message
        if message is None:
            return
        for n, text in enumerate(messages):
            await self._send(context, message.chat_id, text, message.message_id if n == 0 else None)

    async def _send_answer(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        answer: Answer,
        reply_to: int | None,
    ) -> None:
        messages = render_answer(answer)
        markup = None
        if answer.has_more:
            key = self.questions.put(chat_id, answer.question)
            data = PageRequest(key, answer.next_offset).encode()
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(texts.MORE_BUTTON, callback_data=data)]]
            )
        for n, text in enumerate(messages):
            last = n == len(messages) - 1
            await self._send(
                context, chat_id, text, reply_to if n == 0 else None, markup if last else None
            )

    async def _send(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        text: str,
        reply_to: int | None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        """Sends an HTML message, retrying network failures and flood control.

        (The rate limiter already retries flood control a few times; this covers what
        it gives up on and plain network trouble.)
        """
        reply = (
            ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to is not None
            else None
        )
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await context.bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_parameters=reply,
                    reply_markup=markup,
                )
            except RetryAfter as exc:
                if attempt == SEND_ATTEMPTS:
                    raise
                delay = exc.retry_after
                await asyncio.sleep(
                    delay.total_seconds() if hasattr(delay, "total_seconds") else delay
                )
            except BadRequest:
                raise  # a BadRequest is a NetworkError too, but retrying cannot help
            except NetworkError as exc:
                if attempt == SEND_ATTEMPTS:
                    raise
                logger.warning("sending failed (%s); retrying", exc)
                await asyncio.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    async def _tell(
        self, query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, text: str
    ) -> None:
        """Tells the button presser something: as a toast, or a message if that fails."""
        try:
            await query.answer(text)
        except TelegramError:
            if query.message is not None:
                with contextlib.suppress(TelegramError):
                    await self._send(context, query.message.chat.id, render_notice(text), None)

    def _in_background(self, work: Awaitable[Any]) -> None:
        # Keep a reference: the event loop only holds tasks weakly.
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


async def _quietly(call: Awaitable[Any], what: str) -> None:
    """Awaits a cosmetic Bot API call whose failure must not stop the reply."""
    try:
        await call
    except TelegramError as exc:
        logger.debug("%s failed: %s", what, exc)


def _is_private(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


def _replies_to(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


def _addressed_question(message: Message, bot_id: int, username: str | None) -> str | None:
    """The question in a group message, if the message is addressed to the bot: it
    mentions the bot (the mention is removed from the question) or replies to it."""
    text = message.text or ""
    mentioned = False
    for entity, value in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).items():
        if entity.type == MessageEntity.TEXT_MENTION:
            mentioned |= entity.user is not None and entity.user.id == bot_id
        elif username and value.lower() == f"@{username.lower()}":
            mentioned = True
    if mentioned and username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    if mentioned or _replies_to(message, bot_id):
        return text
    return None


def build_application(config: BotConfig, composer: AnswerComposer) -> Application:
    """Shortcut: the application of a :class:`TelegramBot` for ``config``."""
    return TelegramBot(config, composer).build_application()
