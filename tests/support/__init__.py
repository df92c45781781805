"""The tests' support code (``from tests.support.<module> import ...``).

- ``paths``: where things are (ROOT, SEEDS, DEV_SET, shared data sets).
- ``questions``, ``telegram_html``: questions over seeds/, the strict Telegram HTML check.
- ``emulator``, ``emulator_client``, ``updates``: the Bot API emulator process, the
  simulated user and inspection routes, and the updates/messages exchanged.
- ``bot_process``, ``bot_thread``: the real bot as a subprocess; a PTB application in
  a thread (for testing the harness).
- ``waiting``, ``ports``: waits on conditions; free local ports.
- ``e2e``, ``reliability``: helpers of the end-to-end and reliability tests.
- ``cli``: the command lines in-process or as real subprocesses.
- ``benchmark_run``: the benchmark smoke run in the background.
"""
