"""Amounts in minor units with each currency's exponent; languages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecwid_systempay.protocol.currencies import (
    InvalidAmount,
    UnsupportedCurrency,
    find_currency,
    format_amount,
    to_decimal,
    to_minor_units,
)
from ecwid_systempay.protocol.languages import payment_language


@pytest.mark.parametrize(
    ("amount", "currency", "minor", "numeric"),
    [
        ("12.30", "EUR", 1230, "978"),
        ("0.01", "EUR", 1, "978"),
        ("12.345", "EUR", 1235, "978"),  # half up
        ("1500", "JPY", 1500, "392"),
        ("1500.5", "JPY", 1501, "392"),
        ("1.234", "KWD", 1234, "414"),
        ("19.99", "USD", 1999, "840"),
        ("2014.97", "usd", 201497, "840"),
    ],
)
def test_minor_units(amount, currency, minor, numeric):
    found = find_currency(currency)
    assert found.numeric == numeric
    assert to_minor_units(to_decimal(amount), found) == minor


def test_floats_zero_and_garbage_are_refused():
    with pytest.raises(InvalidAmount):
        to_decimal(12.3)
    with pytest.raises(InvalidAmount):
        to_decimal("abc")
    with pytest.raises(InvalidAmount):
        to_decimal("NaN")
    with pytest.raises(InvalidAmount):
        to_minor_units(Decimal("0"), find_currency("EUR"))
    with pytest.raises(InvalidAmount):
        to_minor_units(Decimal("-1"), find_currency("EUR"))
    with pytest.raises(UnsupportedCurrency):
        find_currency("XXX")


def test_format():
    assert format_amount(1230, find_currency("EUR")) == "12.30 EUR"
    assert format_amount(1500, find_currency("JPY")) == "1500 JPY"
    assert format_amount(1234, find_currency("KWD")) == "1.234 KWD"


def test_payment_language_falls_back_to_default():
    assert payment_language("fr_FR", "en") == "fr"
    assert payment_language("ja", "fr") == "ja"
    assert payment_language("ko", "de") == "de"
    assert payment_language(None, "en") == "en"
