"""The question-answering bot: one answer composer, rendered for Telegram and the terminal.

Run it with ``python -m bot`` (Telegram), ``python -m bot --console`` (terminal) or
``python -m bot --auto`` (Telegram when a token is set, else the terminal).

Layout:
    :mod:`bot.cli` the command line (:mod:`bot.args` its flags, :mod:`bot.config` the
    validated settings, :mod:`bot.redact` the token-proof log filter);
    :mod:`bot.answer` questions to answers (:mod:`bot.service` batches them off the
    event loop, :mod:`bot.texts` what the bot says besides answers);
    :mod:`bot.console` and :mod:`bot.telegram` the two front ends.

Importing the package loads neither front end (nor PTB, rich or prompt_toolkit).
"""

from .answer import Answer, AnswerComposer, attribution
from .config import BotConfig, ConfigurationError, Mode

__all__ = ["Answer", "AnswerComposer", "BotConfig", "ConfigurationError", "Mode", "attribution"]
