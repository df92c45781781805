"""The tests' support package: paths, questions, Telegram HTML checks, and (in
``emulator``/``bot_process``) the real Bot API emulator and bot processes."""
