"""Log injection: what a request carries never starts a new line that looks like a record.

The log lines below are written with production.ini's format by a handler on the
root logger, the way ``pserve`` sets it up; the app factory installs the filter on it.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import webtest

from ecwid_systempay import logging_filters, main

from ..flows import checkout, configure_store
from ..support import gateway_answer

FORMAT = "%(asctime)s %(levelname)-5.5s [%(name)s:%(lineno)s][%(threadName)s] %(message)s"
RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO |WARNI|ERROR|CRITI) \[")
FORGED = (
    "2026-12-01 10:00:00,000 INFO  [ecwid_systempay.services.ipn:230][waitress-1] "
    "store 1003 order transaction_65306446 trans=12345678/000001 NEW -> PAID (PAY, AUTHORISED)"
)
BREAKS = ["\n", "\r\n", "\r", "\u2028", "\x85", "\x0b"]


def assert_one_line_per_record(output: str) -> None:
    """Every physical line (as any viewer splits them) is a record's first line or indented under one."""
    lines = output.splitlines()
    assert lines
    for line in lines:
        assert RECORD.match(line) or line.startswith(logging_filters.CONTINUATION), line
        assert not line.lstrip().startswith(FORGED[:20]), line


@pytest.fixture
def logged(settings) -> Iterator[tuple[webtest.TestApp, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    root, package = logging.getLogger(), logging.getLogger("ecwid_systempay")
    old_level = package.level
    root.addHandler(handler)
    package.setLevel(logging.INFO)
    application = main({}, **settings)  # installs the filter on the root handlers, ours included
    try:
        yield webtest.TestApp(application, extra_environ={"HTTP_HOST": "localhost"}), stream
    finally:
        root.removeHandler(handler)
        package.setLevel(old_level)
        application.registry["dbengine"].dispose()


@pytest.mark.parametrize("newline", BREAKS, ids=[repr(b) for b in BREAKS])
def test_a_field_name_with_a_line_break_cannot_forge_a_record(logged, newline):
    testapp, stream = logged
    configure_store(testapp)
    _, fields = checkout(testapp)
    forged_name = f"vads_note{newline}{FORGED}"
    pairs = [*gateway_answer(fields).items(), (forged_name, "1"), (forged_name, "1")]
    response = testapp.post(
        "/callback?app-name=systempay",
        urlencode(pairs),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        status=400,
    )
    assert response.text.startswith("KO-")
    output = stream.getvalue()
    assert "duplicated field vads_note" in output
    assert_one_line_per_record(output)


def test_values_and_exception_messages_are_escaped_and_tracebacks_stay_readable():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger = logging.getLogger("tests.log_injection")
    logger.addHandler(handler)
    logger.propagate = False
    logging_filters.install(logger)
    logging_filters.install(logger)  # installing twice changes nothing
    try:
        logger.warning("value %s and %r", "x\r\n" + FORGED, {"k": "\x1b[2J"})
        try:
            raise ValueError("a\n" + FORGED)
        except ValueError:
            logger.exception("boom on %s", "/payment\n" + FORGED)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert_one_line_per_record(output)
    lines = output.splitlines()
    assert lines[0].endswith("value x\\r\\n" + FORGED + " and {'k': '\\x1b[2J'}")
    assert lines[1].endswith("boom on /payment\\n" + FORGED)
    assert lines[2] == logging_filters.CONTINUATION + "Traceback (most recent call last):"
    assert any(line.strip().startswith('File "') for line in lines[3:])
    assert lines[-1] == logging_filters.CONTINUATION + "ValueError: a\\n" + FORGED
