"""Parsing a gateway notification (IPN) or a signed return, before any lookup.

The body is parsed with blank values kept (dropping them breaks the signature),
duplicated fields are refused, and the fields that identify the payment are
format-checked so that a value shifted across a ``+`` boundary cannot pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from urllib.parse import unquote_plus

MAX_BODY_BYTES = 64 * 1024

# Matched with ``fullmatch`` (a ``$`` would let a trailing newline through) and ASCII
# digits only (``\d`` also matches other scripts' digits).
_FORMATS = {
    "vads_site_id": re.compile(r"[0-9]{8}"),
    "vads_ctx_mode": re.compile(r"TEST|PRODUCTION"),
    "vads_trans_id": re.compile(r"[A-Za-z0-9]{6}"),
    "vads_trans_date": re.compile(r"[0-9]{14}"),
    "vads_amount": re.compile(r"[0-9]{1,12}"),
    "vads_currency": re.compile(r"[0-9]{3}"),
}
_OPTIONAL_FORMATS = {
    "vads_trans_status": re.compile(r"[A-Z_]{1,40}"),
    "vads_url_check_src": re.compile(r"[A-Z_]{1,20}"),
    "vads_operation_type": re.compile(r"[A-Z_]{1,20}"),
    "vads_trans_uuid": re.compile(r"[A-Za-z0-9-]{1,64}"),
}
#: The only gateway fields kept in ``notifications.fields``: what processing, the merchant's
#: payment history and the test phase need. Everything else the gateway echoes is dropped:
#: the buyer's e-mail, names, addresses and phones (``vads_cust_*``, ``vads_ship_to_*``),
#: ``vads_order_info*``, the 3-D Secure CAVV and XID, the card number, holder and expiry.
STORED_FIELDS = frozenset(
    {
        # the payment's identity
        "vads_site_id", "vads_ctx_mode", "vads_trans_id", "vads_trans_date", "vads_trans_uuid",
        "vads_order_id", "vads_amount", "vads_currency", "vads_sequence_number",
        "vads_ext_info_ecwid_store", "vads_ext_info_ecwid_reference",
        # what happened
        "vads_trans_status", "vads_result", "vads_extra_result", "vads_auth_result", "vads_auth_mode",
        "vads_auth_number", "vads_payment_error", "vads_operation_type", "vads_url_check_src",
        "vads_effective_amount", "vads_effective_currency", "vads_change_rate",
        "vads_effective_creation_date", "vads_presentation_date", "vads_capture_delay",
        "vads_validation_mode", "vads_payment_config", "vads_warranty_result",
        "vads_risk_control", "vads_risk_assessment_result",
        # the card's brand and how 3-D Secure went (no authentication value)
        "vads_card_brand", "vads_threeds_status", "vads_threeds_auth_type",
        "vads_threeds_exit_status", "vads_threeds_enrolled", "vads_threeds_mpi",
    }
)
#: A masked card number as the gateway sends it: BIN (6 digits), masked middle, last 4 digits.
_MASKED_CARD = re.compile(r"([0-9]{6})[0-9X*]{2,9}([0-9]{4})")


class MalformedNotification(ValueError):
    """The request is not a well-formed gateway message."""


@dataclass(frozen=True)
class Notification:
    """A syntactically valid gateway message; its signature is not checked yet."""

    fields: dict[str, str]
    signature: str
    extras: dict[str, str]

    @property
    def site_id(self) -> str:
        return self.fields["vads_site_id"]

    @property
    def ctx_mode(self) -> str:
        return self.fields["vads_ctx_mode"]

    @property
    def trans_id(self) -> str:
        return self.fields["vads_trans_id"]

    @property
    def trans_datetime(self) -> datetime:
        return datetime.strptime(self.fields["vads_trans_date"], "%Y%m%d%H%M%S").replace(
            tzinfo=timezone.utc
        )

    @property
    def trans_day(self) -> date:
        return self.trans_datetime.date()

    @property
    def amount_minor(self) -> int:
        return int(self.fields["vads_amount"])

    @property
    def currency_numeric(self) -> str:
        return self.fields["vads_currency"]

    @property
    def trans_status(self) -> str:
        return self.fields.get("vads_trans_status", "")

    @property
    def source(self) -> str:
        return self.fields.get("vads_url_check_src", "") or "PAY"

    @property
    def operation_type(self) -> str:
        return self.fields.get("vads_operation_type", "") or "DEBIT"

    @property
    def trans_uuid(self) -> str:
        return self.fields.get("vads_trans_uuid", "")

    @property
    def is_ipn(self) -> bool:
        """The gateway's server-to-server call carries ``vads_hash`` and ``vads_url_check_src``; a browser return neither."""
        return bool(self.fields.get("vads_hash")) and bool(self.fields.get("vads_url_check_src"))

    def storable_fields(self) -> dict[str, str]:
        """What may be kept: :data:`STORED_FIELDS`, plus ``card_bin``/``card_last4`` from the masked number.

        The BIN and last four digits (which PCI DSS lets a merchant keep) tell the
        merchant's history which card paid and let the test phase tell which test
        card, hence which scenario, was used.
        """
        kept = {k: v for k, v in self.fields.items() if k in STORED_FIELDS}
        return kept | card_digits(self.fields.get("vads_card_number", ""))


def card_digits(masked_number: str) -> dict[str, str]:
    """``{"card_bin", "card_last4"}`` of a masked card number; empty if it has another shape."""
    match = _MASKED_CARD.fullmatch(masked_number)
    return {"card_bin": match.group(1), "card_last4": match.group(2)} if match else {}


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> Notification:
    """Validate ``(name, value)`` pairs into a :class:`Notification`."""
    fields: dict[str, str] = {}
    extras: dict[str, str] = {}
    signature: str | None = None
    for name, value in pairs:
        if name == "signature":
            if signature is not None:
                raise MalformedNotification("duplicated field signature")
            signature = value
        elif name.startswith("vads_"):
            if name in fields:
                raise MalformedNotification(f"duplicated field {name}")
            fields[name] = value
        else:
            extras[name] = value
    if not signature:
        raise MalformedNotification("missing signature")
    if len(signature) > 128:
        raise MalformedNotification("bad signature format")
    for name, pattern in _FORMATS.items():
        value = fields.get(name)
        if value is None:
            raise MalformedNotification(f"missing field {name}")
        if not pattern.fullmatch(value):
            raise MalformedNotification(f"bad format for {name}")
    for name, pattern in _OPTIONAL_FORMATS.items():
        value = fields.get(name)
        if value and not pattern.fullmatch(value):
            raise MalformedNotification(f"bad format for {name}")
    try:
        datetime.strptime(fields["vads_trans_date"], "%Y%m%d%H%M%S")
    except ValueError:
        raise MalformedNotification("bad format for vads_trans_date") from None
    return Notification(fields=fields, signature=signature, extras=extras)


def form_pairs(text: str) -> list[tuple[str, str]]:
    """The pairs of a form-encoded text, as ``parse_qsl(text, keep_blank_values=True, errors="strict")``.

    A notification has some fifty fields, most of them with nothing to decode: a
    piece without ``+`` or ``%`` is taken as it is (``parse_qsl`` unquotes every
    name and value), a third of the parsing time.
    """
    pairs = []
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "+" in name or "%" in name:
            name = unquote_plus(name, errors="strict")
        if "+" in value or "%" in value:
            value = unquote_plus(value, errors="strict")
        pairs.append((name, value))
    return pairs


def parse_body(body: bytes) -> Notification:
    """Parse an ``application/x-www-form-urlencoded`` body (UTF-8)."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedNotification("body too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedNotification("body is not UTF-8") from None
    try:
        pairs = form_pairs(text)
    except (UnicodeDecodeError, ValueError):
        raise MalformedNotification("body is not form-encoded UTF-8") from None
    return parse_pairs(pairs)
