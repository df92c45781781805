"""``/collections`` and ``/use``: which collection a chat searches.

In a group, the chat's admins choose (Telegram's administrators of the group, or the
bot's admins); in a private chat, its user chooses among the collections open to them.
The choice is kept (see :class:`~bot.bindings.Bindings`) and applies to everything
asked in the chat from then on: messages, "More results", follow-ups, and the user's
inline queries (for a private chat).
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from .. import texts
from .base import ChatHandlers, Context


class CollectionHandlers(ChatHandlers):
    """The handlers of ``/collections`` and ``/use``."""

    async def on_collections(self, update: Update, context: Context) -> None:
        """``/collections``: the collections the user may choose, this chat's marked."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or not await self._admitted(update, context, count=False):
            return
        current = self.collection_of(chat)
        visible = self.collections.visible_to(user.id, self.access.is_admin(user))
        if current is not None and current not in visible:
            visible.insert(0, current)  # bound by configuration: shown, if not choosable
        rows = [(c.name, len(c.composer.sources()), c is current) for c in visible]
        await self._notify(update, context, texts.collections_list(rows))

    async def on_use(self, update: Update, context: Context) -> None:
        """``/use NAME``: this chat searches the collection NAME from now on."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or not await self._admitted(update, context, count=False):
            return
        if chat.type != ChatType.PRIVATE and not await self._is_chat_admin(update, context):
            await self._notify(update, context, texts.USE_ADMINS_ONLY)
            return
        name = " ".join(context.args or []).strip()
        if not name:
            await self.on_collections(update, context)
            return
        chosen = self.collections.get(name)
        visible = self.collections.visible_to(user.id, self.access.is_admin(user))
        if chosen is None or chosen not in visible:
            await self._notify(update, context, texts.no_collection(name))
            return
        self.collections.bind(chat.id, chosen)
        await self._notify(
            update, context, texts.using(chosen.name, len(chosen.composer.sources()))
        )
