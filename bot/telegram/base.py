"""What every update handler shares: whom to serve, which collection a chat searches,
who administers a chat, and how to say a short thing."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TypeAlias

from telegram import Chat, Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from .. import texts
from ..collections import Collection, Collections
from .access import Access
from .delivery import Delivery
from .render import render_notice

logger = logging.getLogger(__name__)

#: The context of every handler (PTB's default: no custom user, chat or bot data types).
Context: TypeAlias = ContextTypes.DEFAULT_TYPE
_CHAT_ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


class ChatHandlers:
    """The shared steps of the handlers.

    Args:
        collections: the collections served, and which one each chat searches.
        access: whom to serve, and how often.
        delivery: sends the replies.
    """

    def __init__(self, collections: Collections, access: Access, delivery: Delivery) -> None:
        self.collections = collections
        self.access = access
        self.delivery = delivery

    def collection_of(self, chat: Chat) -> Collection | None:
        """The collection ``chat`` searches (None: it has to choose one first)."""
        return self.collections.for_chat(chat.id, private=chat.type == ChatType.PRIVATE)

    async def _collection(self, update: Update, context: Context) -> Collection | None:
        """The collection of the update's chat; if it has none, says how to choose one."""
        chat = update.effective_chat
        if chat is None:
            return None
        collection = self.collection_of(chat)
        if collection is None:
            await self._notify(update, context, texts.CHOOSE_COLLECTION)
        return collection

    async def _is_chat_admin(self, update: Update, context: Context) -> bool:
        """Whether the update's user administers its chat: one of the bot's admins, or
        an administrator of the group (as Telegram says). In a private chat, only the
        bot's admins administer: the collection is shared with others."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return False
        if self.access.is_admin(user):
            return True
        if chat.type == ChatType.PRIVATE:
            return False
        try:
            member = await context.bot.get_chat_member(chat.id, user.id)
        except TelegramError as exc:
            logger.warning("cannot tell whether user %d administers the chat: %s", user.id, exc)
            return False
        return member.status in _CHAT_ADMINS

    async def _admitted(self, update: Update, context: Context, count: bool = True) -> bool:
        """Whether to serve the update's user (replying why not, if not).

        Args:
            update: the update.
            context: its context.
            count: the request is a question, which counts toward the rate limit.
        """
        user = update.effective_user
        if not self.access.allows(user):
            await self._notify(update, context, texts.NOT_ALLOWED)
            return False
        if count and user is not None:
            wait = self.access.question_wait(user)
            if wait:
                await self._notify(update, context, texts.rate_limited(wait))
                return False
        return True

    async def _notify(self, update: Update, context: Context, text: str) -> None:
        await self.delivery.reply(update, context.bot, [render_notice(text)])


def is_private(message: Message) -> bool:
    """Whether ``message`` was sent in a private chat with the bot."""
    return message.chat.type == ChatType.PRIVATE


def replies_to(message: Message, bot_id: int) -> bool:
    """Whether ``message`` replies to one of the bot's."""
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


def mentions_bot(entities: Mapping[MessageEntity, str], bot_id: int, username: str | None) -> bool:
    """Whether the mentions among ``entities`` (a message's or a caption's, parsed)
    name the bot: by its username, or as a text mention of its user."""
    for entity, value in entities.items():
        if entity.type == MessageEntity.TEXT_MENTION:
            if entity.user is not None and entity.user.id == bot_id:
                return True
        elif username and value.lower() == f"@{username.lower()}":
            return True
    return False
