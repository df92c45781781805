"""The Telegram front end, on python-telegram-bot.

:mod:`.app` wires the application; :mod:`.handlers` answers each kind of update,
:mod:`.access` decides whom to serve, :mod:`.delivery` sends the replies; :mod:`.render`
and :mod:`.html` make Telegram HTML; :mod:`.paging` and :mod:`.ratelimit` hold the
"More results" questions and the per-user limits.

(This package is ``bot.telegram``; inside it, ``import telegram`` is still PTB.)
"""

from .app import StopSignals, TelegramBot, build_application

__all__ = ["StopSignals", "TelegramBot", "build_application"]
