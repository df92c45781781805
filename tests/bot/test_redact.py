"""The token never reaches a log."""

from __future__ import annotations

import io
import logging

from bot.redact import REDACTED, RedactingFilter

TOKEN = "123456:AAHsecretTOKENvalue"


def _logger() -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter([TOKEN, "", "hooksecret"]))
    logger = logging.getLogger("test.redact")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, out


def test_message_args_and_tracebacks_are_redacted() -> None:
    logger, out = _logger()
    logger.info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN)
    logger.warning(f"plain {TOKEN} and hooksecret")
    try:
        raise RuntimeError(f"failed calling /bot{TOKEN}/sendMessage")
    except RuntimeError:
        logger.exception("boom %s", TOKEN)
    text = out.getvalue()
    assert TOKEN not in text and "hooksecret" not in text
    assert text.count(REDACTED) == 5
    assert "RuntimeError: failed calling /bot[REDACTED]/sendMessage" in text


def test_no_secrets_leaves_records_alone() -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "a %s", ("b",), None)
    assert RedactingFilter([]).filter(record) and record.getMessage() == "a b"
