"""ISO 4217 currencies accepted by the Lyra gateways, and amount conversion.

Money is handled as :class:`decimal.Decimal` and integer minor units, never float.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


@dataclass(frozen=True)
class Currency:
    alpha: str
    numeric: str
    exponent: int


_TABLE = """
ARS 032 2|AUD 036 2|BRL 986 2|CAD 124 2|CHF 756 2|CNY 156 2|COP 170 2|CZK 203 2
DKK 208 2|EUR 978 2|GBP 826 2|HKD 344 2|HUF 348 2|IDR 360 0|INR 356 2|JPY 392 0
KHR 116 2|KRW 410 0|KWD 414 3|MAD 504 2|MXN 484 2|MYR 458 2|NOK 578 2|NZD 554 2
PEN 604 2|PHP 608 2|PLN 985 2|RUB 643 2|SEK 752 2|SGD 702 2|THB 764 2|TND 788 3
TRY 949 2|TWD 901 2|USD 840 2|XOF 952 0|XPF 953 0|ZAR 710 2|CLP 152 0|CRC 188 2
GTQ 320 2|HNL 340 2|NIO 558 2|SVC 222 2|UYU 858 2
"""

CURRENCIES: dict[str, Currency] = {}
for _cell in _TABLE.replace("\n", "|").split("|"):
    if _cell.strip():
        _alpha, _numeric, _exp = _cell.split()
        CURRENCIES[_alpha] = Currency(_alpha, _numeric, int(_exp))
BY_NUMERIC: dict[str, Currency] = {c.numeric: c for c in CURRENCIES.values()}

MAX_MINOR_UNITS = 10**12 - 1  # vads_amount is n..12


class UnsupportedCurrency(ValueError):
    """The currency is not one the gateway knows."""


class InvalidAmount(ValueError):
    """The amount is not a positive number that fits the gateway's format."""


def find_currency(alpha: str | None) -> Currency:
    """The currency for an ISO 4217 alpha code, or :class:`UnsupportedCurrency`."""
    currency = CURRENCIES.get((alpha or "").strip().upper())
    if currency is None:
        raise UnsupportedCurrency(alpha)
    return currency


def to_decimal(value: object) -> Decimal:
    """Parse an amount given as str, int or Decimal (never float) into a Decimal."""
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidAmount("amounts must not be floats")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidAmount(str(value)) from exc
    if not amount.is_finite():
        raise InvalidAmount(str(value))
    return amount


def to_minor_units(amount: Decimal, currency: Currency) -> int:
    """Decimal amount to integer minor units (half up), e.g. 12.345 EUR -> 1235."""
    if not amount.is_finite() or amount.adjusted() > 12:
        # No arithmetic before this check: 1E+999999999 would overflow the decimal context.
        raise InvalidAmount(str(amount))
    quantum = Decimal(1).scaleb(-currency.exponent)
    minor = int((amount.quantize(quantum, rounding=ROUND_HALF_UP) * (10**currency.exponent)))
    if minor <= 0 or minor > MAX_MINOR_UNITS:
        raise InvalidAmount(str(amount))
    return minor


def from_minor_units(minor: int, currency: Currency) -> Decimal:
    """Integer minor units back to a Decimal amount."""
    return Decimal(minor).scaleb(-currency.exponent)


def format_amount(minor: int, currency: Currency) -> str:
    """Human display, e.g. ``12.30 EUR`` or ``1500 JPY``."""
    return f"{from_minor_units(minor, currency):.{currency.exponent}f} {currency.alpha}"
