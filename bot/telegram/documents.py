"""A chat's documents: files its admins send to the bot, ``/docs`` and ``/forget``.

A file sent in a private chat, or in a group with a caption that mentions the bot (or
as a reply to the bot), is a document for the chat's collection. Only the chat's
admins may add or remove one; the others get a short refusal. The bot answers with one
progress message that it edits (downloading, checking, indexing) and ends with what
the file added and two questions it answers. See :mod:`bot.uploads` for the checks.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import tempfile
from collections import OrderedDict
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from .. import texts
from ..collections import Collection, Collections
from ..uploads import (
    Added,
    UploadError,
    add_document,
    check_document,
    check_size,
    documents,
    find_document,
    forget_document,
    upload_name,
)
from .access import Access
from .base import ChatHandlers, Context, is_private, mentions_bot, replies_to
from .delivery import Delivery, quietly
from .render import render_notice

logger = logging.getLogger(__name__)

_FORGET = "forget"
#: The callback data of the ``/forget`` confirmation buttons (for the handler's pattern).
FORGET_PATTERN = rf"^{_FORGET}:"


class DocumentHandlers(ChatHandlers):
    """The handlers of documents sent to the bot, ``/docs`` and ``/forget``.

    Args:
        collections: the collections served (see :class:`ChatHandlers`).
        access: whom to serve.
        delivery: sends the replies.
        max_upload_mb: the largest file taken, in MB (0: no uploads).
    """

    def __init__(
        self, collections: Collections, access: Access, delivery: Delivery, max_upload_mb: float
    ) -> None:
        super().__init__(collections, access, delivery)
        self.max_upload_mb = max_upload_mb
        # The files /forget asked about, by the short key their buttons carry.
        self._pending: OrderedDict[str, tuple[str, str]] = OrderedDict()

    # ------------------------------------------------------------------ uploads

    async def on_document(self, update: Update, context: Context) -> None:
        """A file: added to the chat's collection, if an admin of the chat sent it."""
        message = update.effective_message
        if message is None or message.document is None:
            return
        if not is_private(message) and not _addressed(
            message, context.bot.id, context.bot.username
        ):
            return  # a file shared in the group, not sent to the bot
        collection = await self._managed_collection(update, context)
        if collection is None:
            return
        document = message.document
        try:
            name = upload_name(document.file_name)
            check_size(document.file_size, self.max_upload_mb)
        except UploadError as exc:
            await self._notify(update, context, texts.upload_refused(str(exc)))
            return
        progress = await self.delivery.send(
            context.bot,
            message.chat_id,
            render_notice(texts.upload_progress(name, "downloading…")),
            message.message_id,
        )
        try:
            added = await self._add(context, collection, document.file_id, name, progress)
        except UploadError as exc:
            logger.info("upload of %r to %s refused: %s", name, collection.name, exc)
            await _edit(progress, texts.upload_refused(str(exc)), final=True)
            return
        logger.info("%s added to %s: %d passages", name, collection.name, added.passages)
        done = texts.uploaded(added.name, added.passages, added.replaced, added.examples)
        await _edit(progress, done, final=True)

    async def _add(
        self, context: Context, collection: Collection, file_id: str, name: str, progress: Message
    ) -> Added:
        loop = asyncio.get_running_loop()
        with tempfile.TemporaryDirectory(prefix="docqa-upload-") as work:
            path = Path(work) / name
            try:
                file = await context.bot.get_file(file_id)
                await file.download_to_drive(path)
            except TelegramError as exc:
                raise UploadError(f"it could not be downloaded ({exc})") from None
            check_size(path.stat().st_size, self.max_upload_mb)  # the size it really has
            await _edit(progress, texts.upload_progress(name, "checking…"))
            await loop.run_in_executor(None, check_document, path)
            await _edit(progress, texts.upload_progress(name, "indexing…"))
            return await loop.run_in_executor(None, add_document, collection, path, name)

    async def _managed_collection(self, update: Update, context: Context) -> Collection | None:
        """The chat's collection, if the update's user may change its documents (else
        None, after saying why)."""
        if not await self._admitted(update, context, count=False):
            return None
        collection = await self._collection(update, context)
        if collection is None:
            return None
        if not await self._is_chat_admin(update, context):
            await self._notify(update, context, texts.CHAT_ADMINS_ONLY)
            return None
        return collection

    # ------------------------------------------------------------------ listing

    async def on_docs(self, update: Update, context: Context) -> None:
        """``/docs``: the chat's collection's files, with titles and passages."""
        if not await self._admitted(update, context, count=False):
            return
        collection = await self._collection(update, context)
        if collection is not None:
            files = documents(collection)
            await self._notify(update, context, texts.documents_list(collection.name, files))

    # ------------------------------------------------------------------ forgetting

    async def on_forget(self, update: Update, context: Context) -> None:
        """``/forget NAME`` (the chat's admins): asks to confirm removing a document."""
        collection = await self._managed_collection(update, context)
        if collection is None:
            return
        name = " ".join(context.args or []).strip()
        if not name:
            await self._notify(update, context, texts.FORGET_USAGE)
            return
        file = find_document(collection, name)
        if file is None:
            await self._notify(update, context, texts.no_document(name))
            return
        key = secrets.token_urlsafe(6)
        self._pending[key] = (collection.name, file)
        while len(self._pending) > 1000:
            self._pending.popitem(last=False)
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(texts.FORGET_YES, callback_data=f"{_FORGET}:{key}:yes"),
                    InlineKeyboardButton(texts.FORGET_NO, callback_data=f"{_FORGET}:{key}:no"),
                ]
            ]
        )
        message = update.effective_message
        assert message is not None
        await self.delivery.send(
            context.bot,
            message.chat_id,
            render_notice(texts.forget_confirm(file)),
            message.message_id,
            buttons,
        )

    async def on_forget_button(self, update: Update, context: Context) -> None:
        """The confirmation's buttons: remove the document, or not."""
        query = update.callback_query
        if query is None or query.message is None:
            return
        _, key, choice = [*str(query.data).split(":"), "", ""][:3]
        pending = self._pending.get(key)
        collection = self.collections.get(pending[0]) if pending else None
        if (
            pending is None
            or collection is None
            or self.collection_of(query.message.chat) is not collection
        ):
            await self.delivery.tell(query, context.bot, texts.EXPIRED)
            return
        if not await self._is_chat_admin(update, context):
            await self.delivery.tell(query, context.bot, texts.CHAT_ADMINS_ONLY)
            return
        await quietly(query.answer(), "answerCallbackQuery")
        self._pending.pop(key, None)
        file = pending[1]
        message = query.message if isinstance(query.message, Message) else None
        if choice != "yes":
            if message is not None:
                await _edit(message, texts.FORGET_CANCELLED, final=True)
            return
        if message is not None:
            await _edit(message, texts.upload_progress(file, "removing…"))
        forget = functools.partial(forget_document, collection, file)
        try:
            await asyncio.get_running_loop().run_in_executor(None, forget)
        except UploadError as exc:
            text = f"I did not remove {file}: {exc}."
        else:
            logger.info("%s removed from %s", file, collection.name)
            text = texts.forgotten(file)
        if message is not None:
            await _edit(message, text, final=True)


async def _edit(message: Message, text: str, final: bool = False) -> None:
    """Edits a progress message. A failed edit of a step is logged and skipped (the
    next one tries again); the final text is sent anew if it cannot be edited in."""
    try:
        await message.edit_text(render_notice(text), parse_mode=ParseMode.HTML)
    except TelegramError as exc:
        logger.debug("editing the progress message failed: %s", exc)
        if final:
            await message.reply_text(render_notice(text), parse_mode=ParseMode.HTML)


def _addressed(message: Message, bot_id: int, username: str | None) -> bool:
    """Whether a file sent in a group is for the bot: its caption mentions the bot, or
    it replies to one of the bot's messages."""
    entities = message.parse_caption_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    return replies_to(message, bot_id) or mentions_bot(entities, bot_id, username)
