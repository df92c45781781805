"""A real ``telegram.ext.Application`` (polling or webhook) run in a background thread
against the emulator (:class:`BotThread`), for testing the harness itself."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass
from typing import Any

from tests.support.ports import free_port
from tests.support.waiting import wait_for


@dataclass
class WebhookConfig:
    """Where :class:`BotThread` serves a webhook.

    Attributes:
        port: Local port for the bot's webhook server (default: a free one).
        url_path: Path part of the webhook URL.
        secret_token: ``secret_token`` passed to setWebhook and checked by PTB.
        listen: Interface to listen on.
    """

    port: int = 0
    url_path: str = "telegram-webhook"
    secret_token: str | None = "harness-secret"
    listen: str = "127.0.0.1"

    @property
    def url(self) -> str:
        """The webhook URL registered with the emulator."""
        return f"http://{self.listen}:{self.port}/{self.url_path}"


class BotThread:
    """Run a ``telegram.ext.Application`` with ``run_polling``/``run_webhook`` in a thread.

    The application runs exactly as in production (``post_init``, bootstrap, etc.),
    on its own event loop, without signal handlers. Context manager.

    Args:
        application: The PTB application (pointed at the emulator's ``api_url``).
        webhook: Run in webhook mode with this configuration; polling if ``None``.
        poll_interval: Pause between two getUpdates calls (the harness long-polls
            getUpdates like Telegram, so this only adds latency after each batch).
        startup_timeout: Seconds to wait for the application to be running.
    """

    def __init__(
        self,
        application: Any,
        *,
        webhook: WebhookConfig | None = None,
        poll_interval: float = 0.05,
        startup_timeout: float = 20.0,
    ) -> None:
        self.application = application
        self.webhook = webhook
        self.poll_interval = poll_interval
        self.startup_timeout = startup_timeout
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            if self.webhook is None:
                self.application.run_polling(
                    poll_interval=self.poll_interval, stop_signals=None, close_loop=False
                )
            else:
                self.application.run_webhook(
                    listen=self.webhook.listen,
                    port=self.webhook.port,
                    url_path=self.webhook.url_path,
                    webhook_url=self.webhook.url,
                    secret_token=self.webhook.secret_token,
                    stop_signals=None,
                    close_loop=False,
                )
        except BaseException as exc:  # reported by start()/stop()
            self.error = exc
        finally:
            loop.close()

    def start(self) -> BotThread:
        """Start the application and wait until it is running.

        Returns:
            ``self``.

        Raises:
            RuntimeError: If the application failed or did not start in time.
        """
        if self.webhook is not None and not self.webhook.port:
            self.webhook.port = free_port(self.webhook.listen)
        self._thread = threading.Thread(target=self._run, name="ptb-bot", daemon=True)
        self._thread.start()
        try:
            wait_for(
                lambda: self.application.running or not self._thread.is_alive(),
                self.startup_timeout,
                what="the bot application to start",
            )
        except TimeoutError:
            self.stop()
            raise
        if not self.application.running:
            self._thread.join(5)
            raise RuntimeError(f"bot application failed to start: {self.error!r}")
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the application gracefully (like ``Application.stop_running``) and join."""
        if self._thread is None:
            return
        loop = self._loop
        if loop is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError("bot application did not stop in time")
        self._thread = None

    def __enter__(self) -> BotThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
