"""Format checks of a payment form, as the platform does before showing the page.

Each failure carries the ``vads_extra_result`` code of the faulty field (spec 4.2,
Lyra SDK ``FORM_ERRORS``). Shop-dependent checks (site id, signature, mode,
trans id reuse) are done by :mod:`.sessions`; this module checks what needs no state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from ...protocol.currencies import BY_NUMERIC
from ...protocol.languages import LANGUAGES

#: ``vads_extra_result`` code -> field name shown on the error page.
ERROR_FIELDS: dict[str, str] = {
    "00": "signature",
    "01": "version",
    "02": "site_id",
    "03": "trans_id",
    "04": "trans_date",
    "05": "validation_mode",
    "06": "capture_delay",
    "07": "payment_config",
    "08": "payment_cards",
    "09": "amount",
    "10": "currency",
    "11": "ctx_mode",
    "12": "language",
    "13": "order_id",
    "14": "order_info",
    "15": "cust_email",
    "16": "cust_id",
    "17": "cust_title",
    "18": "cust_name",
    "19": "cust_address",
    "20": "cust_zip",
    "21": "cust_city",
    "22": "cust_country",
    "23": "cust_phone",
    "24": "url_success",
    "25": "url_refused",
    "26": "url_referral",
    "27": "url_cancel",
    "28": "url_return",
    "29": "url_error",
    "31": "contrib",
    "33": "url_check",
    "34": "redirect_success_timeout",
    "35": "redirect_success_message",
    "36": "redirect_error_timeout",
    "37": "redirect_error_message",
    "46": "page_action",
    "47": "action_mode",
    "48": "return_mode",
    "50": "threeds_mpi",
    "70": "empty_params",
    "71": "available_languages",
    "72": "shop_name",
    "73": "shop_url",
    "88": "cust_state",
    "91": "ext_info",
    "99": "other",
}

PAST_TOLERANCE = timedelta(minutes=30)
FUTURE_TOLERANCE = timedelta(minutes=90)
RESERVED_TRANS_IDS = range(900000, 1000000)

PAGE_ACTIONS = frozenset({"PAYMENT", "REGISTER_PAY", "ASK_REGISTER_PAY"})
ACTION_MODES = frozenset({"INTERACTIVE", "IFRAME"})
RETURN_MODES = frozenset({"", "GET", "POST", "NONE"})
CARD_BRANDS = frozenset(
    {"CB", "VISA", "MASTERCARD", "MAESTRO", "VISA_ELECTRON", "E-CARTEBLEUE", "AMEX", "VPAY", "DINERS", "JCB"}
)

_ANS = re.compile(r"^[^<>]*$")
_URL = re.compile(r"^https?://[^\s<>\"]+$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_MULTI = re.compile(r"^MULTI:first=[0-9]{1,12};count=[0-9]{1,3};period=[0-9]{1,3}$")
_MULTI_EXT = re.compile(r"^MULTI_EXT:[0-9]{8}=[0-9]{1,12}(;[0-9]{8}=[0-9]{1,12})*$")


class FormError(Exception):
    """A rejected form: ``code`` is the ``vads_extra_result`` value."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    @property
    def field(self) -> str:
        return ERROR_FIELDS.get(self.code, "other")

    def __str__(self) -> str:
        return f"{self.code} {self.field}: {self.detail}"


def _fmt(fields: Mapping[str, str], name: str, pattern: str, code: str, *, required: bool = False) -> None:
    value = fields.get(name)
    if value is None or value == "":
        if required:
            raise FormError(code, f"{name} is missing")
        return
    if not re.fullmatch(pattern, value):
        raise FormError(code, f"{name} has a bad format")


def _ans(fields: Mapping[str, str], name: str, max_length: int, code: str) -> None:
    value = fields.get(name, "")
    if len(value) > max_length or not _ANS.fullmatch(value):
        raise FormError(code, f"{name} has a bad format (ans..{max_length})")


def _url(fields: Mapping[str, str], name: str, code: str) -> None:
    value = fields.get(name, "")
    if value and (len(value) > 1024 or not _URL.fullmatch(value)):
        raise FormError(code, f"{name} is not a valid URL")


def parse_trans_date(value: str) -> datetime:
    """``YYYYMMDDHHMMSS`` (UTC) -> aware datetime, or :class:`FormError` 04."""
    if not re.fullmatch(r"[0-9]{14}", value or ""):
        raise FormError("04", "vads_trans_date must be YYYYMMDDHHMMSS (n14)")
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise FormError("04", "vads_trans_date is not a valid date") from None


def check_header(fields: Mapping[str, str]) -> None:
    """What must be right before the shop and key can be chosen: 70, 01, 02, 11."""
    if not any(name.startswith("vads_") for name in fields):
        raise FormError("70", "no vads_* parameter received")
    if fields.get("vads_version") != "V2":
        raise FormError("01", "vads_version must be V2")
    _fmt(fields, "vads_site_id", r"[0-9]{8}", "02", required=True)
    if fields.get("vads_ctx_mode") not in ("TEST", "PRODUCTION"):
        raise FormError("11", "vads_ctx_mode must be TEST or PRODUCTION")


def check_body(fields: Mapping[str, str], now: datetime) -> None:
    """Every stateless check after the signature (spec 2.1/2.2 formats)."""
    trans_id = fields.get("vads_trans_id", "")
    if not re.fullmatch(r"[A-Za-z0-9]{6}", trans_id):
        raise FormError("03", "vads_trans_id must be 6 alphanumeric characters")
    if trans_id.isascii() and trans_id.isdigit() and int(trans_id) in RESERVED_TRANS_IDS:
        raise FormError("03", "vads_trans_id 900000-999999 is reserved for the platform")
    trans_date = parse_trans_date(fields.get("vads_trans_date", ""))
    if trans_date < now - PAST_TOLERANCE or trans_date > now + FUTURE_TOLERANCE:
        raise FormError(
            "04", "vads_trans_date must be the current UTC time (accepted: 30 min in the past to 1 h 30 in the future)"
        )
    _fmt(fields, "vads_validation_mode", r"[01]", "05")
    _fmt(fields, "vads_capture_delay", r"[0-9]{1,3}", "06")
    config = fields.get("vads_payment_config", "")
    if not (config == "SINGLE" or _MULTI.fullmatch(config) or _MULTI_EXT.fullmatch(config)):
        raise FormError("07", "vads_payment_config must be SINGLE, MULTI:... or MULTI_EXT:...")
    cards = fields.get("vads_payment_cards", "")
    if cards and not all(brand in CARD_BRANDS for brand in cards.split(";")):
        raise FormError("08", "vads_payment_cards lists an unknown card type")
    _fmt(fields, "vads_amount", r"[1-9][0-9]{0,11}", "09", required=True)
    if fields.get("vads_currency", "") not in BY_NUMERIC:
        raise FormError("10", "vads_currency must be a supported ISO 4217 numeric code")
    language = fields.get("vads_language", "")
    if language and language not in LANGUAGES:
        raise FormError("12", "vads_language is not a supported language")
    available = fields.get("vads_available_languages", "")
    if available and not all(code in LANGUAGES for code in available.split(";")):
        raise FormError("71", "vads_available_languages lists an unsupported language")
    _ans(fields, "vads_order_id", 64, "13")
    for name in ("vads_order_info", "vads_order_info2", "vads_order_info3"):
        _ans(fields, name, 255, "14")
    email = fields.get("vads_cust_email", "")
    if email and (len(email) > 150 or not _EMAIL.fullmatch(email)):
        raise FormError("15", "vads_cust_email is not an e-mail address")
    _ans(fields, "vads_cust_id", 63, "16")
    for name in ("vads_cust_first_name", "vads_cust_last_name", "vads_cust_name"):
        _ans(fields, name, 127, "18")
    for name in ("vads_cust_address", "vads_cust_address2"):
        _ans(fields, name, 255, "19")
    _ans(fields, "vads_cust_zip", 64, "20")
    _ans(fields, "vads_cust_city", 128, "21")
    _fmt(fields, "vads_cust_country", r"[A-Za-z]{2}", "22")
    _fmt(fields, "vads_cust_phone", r"[0-9+ ().-]{1,32}", "23")
    _ans(fields, "vads_cust_state", 127, "88")
    for code, name in (
        ("24", "vads_url_success"),
        ("25", "vads_url_refused"),
        ("26", "vads_url_referral"),
        ("27", "vads_url_cancel"),
        ("28", "vads_url_return"),
        ("29", "vads_url_error"),
        ("33", "vads_url_check"),
        ("73", "vads_shop_url"),
    ):
        _url(fields, name, code)
    _ans(fields, "vads_contrib", 255, "31")
    for timeout_name, message_name, t_code, m_code in (
        ("vads_redirect_success_timeout", "vads_redirect_success_message", "34", "35"),
        ("vads_redirect_error_timeout", "vads_redirect_error_message", "36", "37"),
    ):
        timeout = fields.get(timeout_name, "")
        if timeout and (not re.fullmatch(r"[0-9]{1,3}", timeout) or int(timeout) > 300):
            raise FormError(t_code, f"{timeout_name} must be 0 to 300 seconds")
        _ans(fields, message_name, 255, m_code)
    if fields.get("vads_page_action") not in PAGE_ACTIONS:
        raise FormError("46", "vads_page_action must be PAYMENT (or REGISTER_PAY)")
    if fields.get("vads_action_mode") not in ACTION_MODES:
        raise FormError("47", "vads_action_mode must be INTERACTIVE (SILENT needs PCI DSS)")
    if fields.get("vads_return_mode", "") not in RETURN_MODES:
        raise FormError("48", "vads_return_mode must be GET, POST or NONE")
    _fmt(fields, "vads_threeds_mpi", r"[0-6]", "50")
    _ans(fields, "vads_shop_name", 127, "72")
    for name, value in fields.items():
        if name.startswith("vads_ext_info_") and not _ANS.fullmatch(value):
            raise FormError("91", f"{name} contains < or >")
        if not _ANS.fullmatch(value):
            raise FormError("99", f"{name} contains < or >")
