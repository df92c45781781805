"""What the bot does with each kind of update: one method per concern.

Commands (``/start``, ``/help``, ``/sources``, ``/ask``, ``/new``, ``/reload``, unknown
ones), text messages (questions in a conversation, or small talk), other messages, the
"More results" button, inline queries (stateless: no conversation) and errors.
:mod:`bot.telegram.app` registers them; :mod:`.access` decides whom to serve and
:mod:`.delivery` sends the replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    MaybeInaccessibleMessage,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError

from retrieval import QuestionError, RetrievalError

from .. import texts
from ..answer import other_language
from ..collections import Collection
from ..reload import ReloadBusy
from ..smalltalk import small_talk
from .base import ChatHandlers, Context, is_private, mentions_bot, replies_to
from .delivery import quietly, vote_rows_of
from .paging import PageRequest, VoteRequest
from .render import (
    inline_description,
    render_help,
    render_inline_message,
    render_notice,
    render_sources,
    render_start,
)

logger = logging.getLogger(__name__)

#: How long Telegram may cache the answer to an inline query, in seconds.
INLINE_CACHE_SECONDS = 60


class Handlers(ChatHandlers):
    """The update handlers of the bot: questions, answers and their buttons. Each
    update is served by its chat's collection (see :class:`ChatHandlers`): its
    composer, query service, conversations, feedback store and reloader."""

    # ------------------------------------------------------------------ commands

    async def on_start(self, update: Update, context: Context) -> None:
        """``/start``: what the bot knows about, how to ask, examples."""
        if not await self._admitted(update, context, count=False):
            return
        collection = await self._collection(update, context)
        if collection is not None:
            sources = collection.composer.sources()
            examples = await self._examples(collection)
            await self.delivery.reply(update, context.bot, render_start(sources, examples))

    async def on_help(self, update: Update, context: Context) -> None:
        """``/help``: how to use the bot."""
        if not await self._admitted(update, context, count=False):
            return
        chat = update.effective_chat
        collection = self.collection_of(chat) if chat is not None else None
        examples = await self._examples(collection) if collection is not None else []
        await self.delivery.reply(update, context.bot, render_help(examples))

    async def on_stats(self, update: Update, context: Context) -> None:
        """``/stats`` (admins only): the chat's collection's questions, unanswered ones
        and votes of the last 7 days."""
        if not await self._is_chat_admin(update, context):
            if await self._admitted(update, context, count=False):
                await self._notify(update, context, texts.ADMINS_ONLY_STATS)
            return
        collection = await self._collection(update, context)
        if collection is None:
            return
        if collection.feedback is None:
            await self._notify(update, context, texts.stats(7, 0, 0, 0, 0))
            return
        got = collection.feedback.stats(7)
        await self._notify(
            update, context, texts.stats(got.days, got.questions, got.unanswered, got.up, got.down)
        )

    async def on_new(self, update: Update, context: Context) -> None:
        """``/new``: forget the conversation (the next question stands alone)."""
        if not await self._admitted(update, context, count=False):
            return
        key = conversation_key(update)
        for collection in self.collections:  # whichever this chat searched before
            if key is not None:
                collection.conversations.reset(key)
        await self._notify(update, context, texts.NEW_CONVERSATION)

    async def on_sources(self, update: Update, context: Context) -> None:
        """``/sources``: the documents and their titles."""
        if not await self._admitted(update, context, count=False):
            return
        collection = await self._collection(update, context)
        if collection is not None:
            sources = collection.composer.sources()
            await self.delivery.reply(update, context.bot, render_sources(sources))

    async def on_ask(self, update: Update, context: Context) -> None:
        """``/ask question``: a question, the way to ask in a group without mentioning."""
        question = " ".join(context.args or [])
        if not question.strip():
            if await self._admitted(update, context, count=False):
                await self._notify(update, context, texts.EMPTY_QUESTION)
            return
        await self._answer(update, context, question)

    async def on_reload(self, update: Update, context: Context) -> None:
        """``/reload`` (admins only): index the chat's collection again and answer from
        the new index.

        The rebuild runs in a worker thread while questions keep being answered from the
        old index; the new one is then swapped in by one reference assignment (searches
        already running finish on the old one). If the rebuild fails, nothing changes.
        One reload at a time, whether an admin's or ``--watch``'s.
        """
        user = update.effective_user
        if user is None or not await self._is_chat_admin(update, context):
            if await self._admitted(update, context, count=False):
                await self._notify(update, context, texts.ADMINS_ONLY)
            return
        collection = await self._collection(update, context)
        if collection is None:
            return
        if collection.reloader.busy:
            await self._notify(update, context, texts.RELOAD_BUSY)
            return
        logger.info("reload requested by admin %d: indexing %s", user.id, collection.name)
        await self._notify(update, context, texts.RELOADING)
        # Not waiting: another reload, or another process indexing, is reported at once
        # (and the bot keeps its index) instead of a reload that does not move.
        reload = functools.partial(collection.reloader.reload, wait=False)
        try:
            changes = await asyncio.get_running_loop().run_in_executor(None, reload)
        except ReloadBusy:
            await self._notify(update, context, texts.RELOAD_BUSY)
            return
        except RetrievalError as exc:
            logger.warning("reload failed: %s", exc)
            await self._notify(update, context, f"{texts.RELOAD_FAILED} {exc}")
            return
        logger.info("reloaded: %s", changes)
        await self._notify(
            update, context, texts.reloaded(changes.passages, changes.documents, changes.embedded)
        )

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        """An unknown command in a private chat."""
        if await self._admitted(update, context, count=False):
            await self._notify(update, context, texts.UNKNOWN_COMMAND)

    # ------------------------------------------------------------------ messages

    async def on_text(self, update: Update, context: Context) -> None:
        """A text message (new or edited): a question, if it is addressed to the bot."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        if is_private(message):
            question = message.text
        else:
            addressed = addressed_question(message, context.bot.id, context.bot.username)
            if addressed is None:
                return  # group chatter not meant for the bot
            question = addressed
        await self._answer(update, context, question)

    async def on_non_text(self, update: Update, context: Context) -> None:
        """A sticker, photo, voice message...: a hint that only text is understood."""
        message = update.effective_message
        if message is None:
            return
        if not is_private(message) and not replies_to(message, context.bot.id):
            return
        if await self._admitted(update, context, count=False):
            await self._notify(update, context, texts.NON_TEXT)

    # ------------------------------------------------------------------ buttons

    async def on_more(self, update: Update, context: Context) -> None:
        """The "More results" button: the next page of the question's answer."""
        query = update.callback_query
        if query is None:
            return
        chat = query.message.chat if query.message is not None else None
        request = PageRequest.decode(query.data)
        stored = self.delivery.questions.get(request.key, chat.id) if request and chat else None
        collection = self.collections.get(stored.collection) if stored else None
        # Forgotten, or asked before the chat changed its collection: not paged from a
        # collection the chat no longer searches.
        if (
            chat is None
            or request is None
            or stored is None
            or collection is None
            or self.collection_of(chat) is not collection
        ):
            await self.delivery.tell(query, context.bot, texts.EXPIRED)
            return
        chat_id = chat.id
        if not self.access.allows(update.effective_user):
            await self.delivery.tell(query, context.bot, texts.NOT_ALLOWED)
            return
        wait = self.access.question_wait(query.from_user)
        if wait:
            await self.delivery.tell(query, context.bot, texts.rate_limited(wait))
            return
        # Stop the button's spinner, and take the button away: its page is being shown
        # (the 👍 / 👎 row stays). Omitting the markup is how the Bot API removes a
        # keyboard.
        await quietly(query.answer(), "answerCallbackQuery")
        kept = vote_rows_of(_keyboard(query.message))
        markup = InlineKeyboardMarkup(kept) if kept else None
        await quietly(query.edit_message_reply_markup(markup), "editMessageReplyMarkup")
        self.delivery.show_typing(context.bot, chat_id)
        answer = await collection.service.answer(stored.question, request.offset, stored.context)
        reply_to = query.message.message_id if query.message is not None else None
        await self.delivery.send_answer(
            context.bot, chat_id, answer, reply_to=reply_to, collection=collection
        )

    async def on_vote(self, update: Update, context: Context) -> None:
        """A 👍 / 👎 button: the vote is kept, and the buttons say thanks."""
        query = update.callback_query
        if query is None:
            return
        request = VoteRequest.decode(query.data)
        collection = self.collections.by_tag(request.collection) if request else None
        feedback = collection.feedback if collection is not None else None
        if request is None or feedback is None:
            await self.delivery.tell(query, context.bot, texts.EXPIRED)
            return
        if not self.access.allows(update.effective_user):
            await self.delivery.tell(query, context.bot, texts.NOT_ALLOWED)
            return
        if not feedback.vote(request.question_id, query.from_user.id, request.vote):
            await self.delivery.tell(query, context.bot, texts.EXPIRED)
            return
        await quietly(query.answer(texts.VOTED), "answerCallbackQuery")
        keyboard = _keyboard(query.message)
        if keyboard is None:
            return
        # The vote row becomes one button that says thanks (pressing it again changes
        # nothing); "More results" stays.
        rows = [list(r) for r in keyboard.inline_keyboard]
        kept = [r for r in rows if r not in vote_rows_of(keyboard)]
        thanks = InlineKeyboardButton(texts.voted(request.vote), callback_data=query.data)
        markup = InlineKeyboardMarkup([*kept, [thanks]])
        await quietly(query.edit_message_reply_markup(markup), "editMessageReplyMarkup")

    # ------------------------------------------------------------------ inline mode

    async def on_inline(self, update: Update, context: Context) -> None:
        """``@bot question`` in any chat: the passages as results to pick from."""
        query = update.inline_query
        if query is None:
            return
        if not self.access.allows(update.effective_user):
            refusal = InlineQueryResultsButton(text=texts.NOT_ALLOWED, start_parameter="help")
            await quietly(query.answer([], cache_time=0, button=refusal), "answerInlineQuery")
            return
        if not query.query.strip():
            await quietly(query.answer([], cache_time=0), "answerInlineQuery")
            return
        wait = self.access.inline_wait(query.from_user)
        if wait:
            notice = InlineQueryResultsButton(text=texts.rate_limited(wait), start_parameter="help")
            await quietly(query.answer([], cache_time=0, button=notice), "answerInlineQuery")
            return
        # Inline mode names no chat: the user's own choice (their private chat's).
        collection = self.collections.for_chat(query.from_user.id, private=True)
        if collection is None:
            choose = InlineQueryResultsButton(text=texts.CHOOSE_IN_PRIVATE, start_parameter="use")
            await quietly(query.answer([], cache_time=0, button=choose), "answerInlineQuery")
            return
        offset = int(query.offset) if query.offset.isdigit() else 0
        answer = await collection.service.answer(query.query, offset)
        results = [
            InlineQueryResultArticle(
                id=str(hit.rank),
                title=hit.title or hit.source,
                description=inline_description(hit),
                input_message_content=InputTextMessageContent(
                    render_inline_message(hit), parse_mode=ParseMode.HTML
                ),
            )
            for hit in answer.hits
        ]
        button = None
        if not results and not offset:  # why not: nothing answers, or another language
            language = answer.language
            why = texts.NO_ANSWER if language is None else other_language(language, short=True)
            button = InlineQueryResultsButton(text=why, start_parameter="help")
        await query.answer(
            results,
            cache_time=INLINE_CACHE_SECONDS,
            next_offset=str(answer.next_offset) if answer.has_more else "",
            button=button,
        )

    # ------------------------------------------------------------------ errors

    async def on_error(self, update: object, context: Context) -> None:
        """Logs an error and tells the user something went wrong; the bot keeps running."""
        logger.error("error while handling an update", exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        # Reply to the message that failed, so the user knows which question it was.
        message = update.effective_message
        reply_to = message.message_id if message is not None else None
        with contextlib.suppress(TelegramError):
            await self.delivery.send(
                context.bot, update.effective_chat.id, render_notice(texts.ERROR), reply_to
            )

    # ------------------------------------------------------------------ shared steps

    async def _examples(self, collection: Collection) -> list[str]:
        # Found by searching (the first time per index): off the event loop.
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, collection.composer.examples)

    async def _answer(self, update: Update, context: Context, question: str) -> None:
        """Answers a question asked in a message (a command's or a text's), in the
        conversation of its chat (and user and thread, in a group); small talk gets a
        short reply instead."""
        if not await self._admitted(update, context):
            return
        message = update.effective_message
        assert message is not None  # _admitted served a user, so there is a message
        collection = await self._collection(update, context)
        if collection is None:
            return
        kind = small_talk(question)
        if kind is not None:
            documents = len(collection.composer.sources())
            examples = await self._examples(collection)
            await self._notify(update, context, texts.small_talk_reply(kind, documents, examples))
            return
        self.delivery.show_typing(context.bot, message.chat_id)
        key = conversation_key(update)
        service, conversations = collection.service, collection.conversations
        try:
            if key is None:
                answer = await service.answer(question)
            else:
                answer = await service.ask(conversations.get(key), question)
                conversations.save(key)
        except QuestionError:
            await self._notify(update, context, texts.EMPTY_QUESTION)
            return
        except RetrievalError as exc:
            await self._notify(update, context, str(exc))
            return
        vote_id = None
        if collection.feedback is not None:  # every question counts for /stats
            recorded = collection.feedback.record(question, answer)
            vote_id = recorded if answer.hits else None
        await self.delivery.send_answer(
            context.bot,
            message.chat_id,
            answer,
            reply_to=message.message_id,
            vote_id=vote_id,
            collection=collection,
        )


def _keyboard(message: MaybeInaccessibleMessage | None) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a button's message (none if the message is too old for
    the bot to see)."""
    return message.reply_markup if isinstance(message, Message) else None


def conversation_key(update: Update) -> tuple[int, ...] | None:
    """Whose conversation an update belongs to: a private chat's user; in a group,
    the member and the thread (forum topic or reply thread) they write in."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return None
    if is_private(message):
        return (user.id,)
    return (message.chat_id, user.id, message.message_thread_id or 0)


def addressed_question(message: Message, bot_id: int, username: str | None) -> str | None:
    """The question in a group message, if the message is addressed to the bot: it
    mentions the bot (the mention is removed from the question) or replies to it."""
    text = message.text or ""
    entities = message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    mentioned = mentions_bot(entities, bot_id, username)
    if mentioned and username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    if mentioned or replies_to(message, bot_id):
        return text
    return None
