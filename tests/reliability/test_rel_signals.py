"""Stop signals, without the emulator: the first SIGTERM stops the bot in order, the
ones after it cannot break that stop off (the end-to-end case is in test_rel_faults.py).

PTB's ``run_polling`` stops by catching ``SystemExit`` from the signal handler, then
runs its orderly stop (updater, handlers in flight, shutdown) on the same event loop.
Its own handler raised ``SystemExit`` on EVERY signal, so a second SIGTERM broke off
that stop and the process still exited 0 with the replies in flight dropped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import pytest

from bot.telegram.app import StopSignals


def test_a_second_sigterm_does_not_break_off_the_orderly_stop(caplog) -> None:
    loop = asyncio.new_event_loop()
    stop = StopSignals((signal.SIGTERM,))
    stop.install(loop)
    steps: list[str] = []

    async def orderly_stop() -> None:  # stands for PTB's `finally` block
        os.kill(os.getpid(), signal.SIGTERM)  # and one more while stopping
        await asyncio.sleep(0.2)
        steps.append("replies in flight sent")

    caplog.set_level(logging.INFO, logger="bot.telegram.app")
    try:
        # Two at once, both queued before the loop reads them (the CI failure).
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
        with pytest.raises(SystemExit):
            loop.run_forever()
        loop.run_until_complete(orderly_stop())
    finally:
        loop.close()  # also puts the default SIGTERM handling back
    assert steps == ["replies in flight sent"]
    assert stop.received == signal.SIGTERM
    assert "SIGTERM received: finishing the replies in flight" in caplog.text
    assert "SIGTERM received while stopping: ignored" in caplog.text


def test_sigint_stops_like_sigterm() -> None:
    stop = StopSignals()
    with pytest.raises(SystemExit):
        stop.on_signal(signal.SIGINT)
    stop.on_signal(signal.SIGINT)  # ignored: already stopping
    stop.on_signal(signal.SIGTERM)
    assert stop.received == signal.SIGINT
