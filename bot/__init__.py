"""The question-answering bot: one answer composer, rendered for Telegram and the terminal.

Run it with ``python -m bot`` (Telegram), ``python -m bot --console`` (terminal) or
``python -m bot --auto`` (Telegram when a token is set, else the terminal).
"""

from .answer import Answer, AnswerComposer, Passage
from .config import BotConfig, ConfigurationError, Mode

__all__ = ["Answer", "AnswerComposer", "BotConfig", "ConfigurationError", "Mode", "Passage"]
