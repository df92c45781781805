"""Conversations: questions asked in turn, follow-ups searched with the context of the
previous turn (``followup``), per chat (``conversation``)."""

from .conversation import IDLE_SECONDS, Conversation, Turn
from .followup import Query

__all__ = ["IDLE_SECONDS", "Conversation", "Query", "Turn"]
