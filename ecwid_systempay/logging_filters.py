"""A last line of defence: mask secrets and card-like numbers in every log record.

The code never logs keys, tokens, signatures or payloads on purpose; this filter,
installed on the root logger's handlers by the app factory, masks what a library
or an exception message might still carry: Ecwid tokens (``secret_...``), Fernet
tokens, ``signature=`` values, Bearer headers and runs of 13-19 digits.
"""

from __future__ import annotations

import logging
import re

PATTERNS = (
    (re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])"), "[digits masked]"),
    (re.compile(r"\b(secret|public)_[A-Za-z0-9_\-]{4,}"), r"\1_[masked]"),
    (re.compile(r"\bgAAAAA[A-Za-z0-9_\-=]{20,}"), "[fernet token masked]"),
    (re.compile(r"(signature=)[^&\s]+", re.I), r"\1[masked]"),
    (re.compile(r"(Bearer\s+)[^\s'\"]+", re.I), r"\1[masked]"),
    (re.compile(r"((?:enc_data|data|payload)=)[A-Za-z0-9_\-+/=%]{16,}"), r"\1[masked]"),
)


def mask(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class SecretMaskingFilter(logging.Filter):
    """Rewrites the record's message (and exception text) with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        masked = mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (the root logger by default), once."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, SecretMaskingFilter) for f in handler.filters):
            handler.addFilter(SecretMaskingFilter())
