"""A last line of defence on every log record: secrets masked, control characters escaped.

The code never logs keys, tokens, signatures or payloads on purpose; this filter,
installed on the root logger's handlers by the app factory, masks what a library
or an exception message might still carry: Ecwid tokens (``secret_...``), Fernet
tokens, ``signature=`` values, Bearer headers and runs of 13-19 digits.

Log injection: field names and values from requests reach messages, and a line
break in one would start a line that reads like another record ("... NEW -> PAID").
Every control character of a message (C0, DEL, C1, the Unicode line and paragraph
separators) is written as an escape (``\\n``, ``\\x1b``, ``\\u2028``). A traceback
keeps its lines, each escaped the same way and indented by :data:`CONTINUATION`
under its record, so no line of it can start like a record either.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

PATTERNS = (
    (re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])"), "[digits masked]"),
    (re.compile(r"\b(secret|public)_[A-Za-z0-9_\-]{4,}"), r"\1_[masked]"),
    (re.compile(r"\bgAAAAA[A-Za-z0-9_\-=]{20,}"), "[fernet token masked]"),
    (re.compile(r"(signature=)[^&\s]+", re.I), r"\1[masked]"),
    (re.compile(r"(Bearer\s+)[^\s'\"]+", re.I), r"\1[masked]"),
    (re.compile(r"((?:enc_data|data|payload)=)[A-Za-z0-9_\-+/=%]{16,}"), r"\1[masked]"),
)


#: Prefix of every traceback or stack line: only a record's first line starts at column 0.
CONTINUATION = "  "
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_controls(text: str) -> str:
    """``text`` on one line: every control character written as a visible escape."""
    return _CONTROL.sub(_escape, text)


def continuation_lines(text: str) -> str:
    """A multi-line block (traceback, stack) kept readable: each line escaped and indented."""
    return "\n".join(CONTINUATION + escape_controls(line) for line in text.rstrip("\n").split("\n"))


def exception_text(exc_info: Any) -> str:
    """A traceback whose exception messages and notes are escaped onto one line each.

    The frames (file, line, source) come from the code and keep their layout; a
    message (``Type: ...``) may carry request data, so its line breaks are escaped.
    """
    try:
        chunks = traceback.TracebackException(*exc_info).format()
        return "".join(
            chunk if chunk.startswith((" ", "\n", "Traceback (most recent call last):"))
            else escape_controls(chunk.rstrip("\n")) + "\n"
            for chunk in chunks
        )
    except Exception:  # never lose the record over its traceback
        return logging.Formatter().formatException(exc_info)


def mask(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class SecretMaskingFilter(logging.Filter):
    """Rewrites the record's message (and exception text) with secrets masked and controls escaped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_ecwid_systempay_cleaned", False):
            return True  # already done by the filter of another handler
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        cleaned = escape_controls(mask(message))
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = exception_text(record.exc_info)
        if record.exc_text:
            record.exc_text = continuation_lines(mask(record.exc_text))
        if record.stack_info:
            record.stack_info = continuation_lines(mask(record.stack_info))
        record._ecwid_systempay_cleaned = True
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (the root logger by default), once."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, SecretMaskingFilter) for f in handler.filters):
            handler.addFilter(SecretMaskingFilter())
