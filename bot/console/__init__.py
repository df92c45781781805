"""The terminal front end: answers rendered with rich (:mod:`.render`), an interactive
prompt_toolkit chat and a line-by-line mode for pipes (:mod:`.chat`)."""

from .chat import ConsoleChat, history_file, open_history, run_console
from .render import ConsoleRenderer

__all__ = ["ConsoleChat", "ConsoleRenderer", "history_file", "open_history", "run_console"]
