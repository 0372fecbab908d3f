"""Reading the gateway's form-encoded notification body."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st

from ecwid_systempay.protocol.notification import form_pairs

# Form syntax, percent escapes (valid, truncated, invalid UTF-8) and text around them.
PIECES = st.sampled_from(["&", "=", "+", "%", "%2", "%41", "%C3%A9", "%FF", "%E2%82", "vads_", "a", "é", " ", ";", "€"])


def parsed(text: str) -> object:
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        return "refused"


def read(text: str) -> object:
    try:
        return form_pairs(text)
    except UnicodeDecodeError:
        return "refused"


@given(st.lists(PIECES, max_size=40).map("".join))
def test_a_body_is_read_exactly_as_the_standard_library_reads_it(text):
    assert read(text) == parsed(text)


def test_plain_pairs_escapes_and_blank_values():
    assert form_pairs("vads_a=1&&vads_b=&vads_c&vads_d=x%2By+z%C3%A9") == [
        ("vads_a", "1"),
        ("vads_b", ""),
        ("vads_c", ""),
        ("vads_d", "x+y zé"),
    ]
