"""Building the ``vads_*`` form from the shop settings and the order."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ecwid_systempay.protocol.currencies import find_currency
from ecwid_systempay.protocol.form import OrderData, Person, ShopConfig, build_fields, clean_text, sign_form, split_name
from ecwid_systempay.protocol.signature import verify_signature

NOW = datetime(2026, 11, 24, 23, 59, 59, tzinfo=timezone.utc)


def shop(**kw) -> ShopConfig:
    base = dict(site_id="12345678", ctx_mode="TEST", key="1111111111111111", sign_algo="HMAC-SHA-256", default_language="fr")
    base.update(kw)
    return ShopConfig(**base)


def order(amount="45.00", currency="EUR", **kw) -> OrderData:
    cur = find_currency(currency)
    from ecwid_systempay.protocol.currencies import to_minor_units

    return OrderData(order_id="SALE-G01ZG", amount=Decimal(amount), amount_minor=to_minor_units(Decimal(amount), cur), currency=cur, **kw)


def fields(s: ShopConfig, o: OrderData) -> dict[str, str]:
    return build_fields(s, o, trans_id="000042", trans_date=NOW, return_url="http://localhost/return/x")


def test_mandatory_fields_and_utc_date():
    f = fields(shop(), order())
    assert f["vads_trans_date"] == "20261124235959"
    assert f["vads_amount"] == "4500"
    assert f["vads_order_id"] == "SALE-G01ZG"
    assert f["vads_contrib"].startswith("Ecwid_Systempay_")
    for name in ("vads_capture_delay", "vads_validation_mode", "vads_threeds_mpi", "vads_redirect_success_timeout", "vads_available_languages"):
        assert name not in f


def test_optional_settings_only_when_set():
    f = fields(
        shop(capture_delay=3, validation_mode="1", available_languages=("fr", "en"), redirect_enabled=True,
             redirect_success_timeout=2, redirect_success_message="Merci", redirect_error_timeout=7, redirect_error_message="Oups"),
        order(),
    )
    assert f["vads_capture_delay"] == "3"
    assert f["vads_validation_mode"] == "1"
    assert f["vads_available_languages"] == "fr;en"
    assert (f["vads_redirect_success_timeout"], f["vads_redirect_success_message"]) == ("2", "Merci")
    assert (f["vads_redirect_error_timeout"], f["vads_redirect_error_message"]) == ("7", "Oups")
    assert "vads_validation_mode" not in fields(shop(validation_mode=None), order())


def test_custom_3ds_below_threshold_only():
    s = shop(threeds_manage=True, threeds_max_amount=Decimal("50"))
    assert fields(s, order("49.99"))["vads_threeds_mpi"] == "2"
    assert "vads_threeds_mpi" not in fields(s, order("50.00"))
    assert fields(shop(threeds_manage=True), order("5000"))["vads_threeds_mpi"] == "2"
    assert "vads_threeds_mpi" not in fields(shop(threeds_manage=False), order("1"))


def test_buyer_fields_are_cleaned():
    o = order(
        email="a@b.c",
        billing=Person(name='Jean-Luc "JL" <de> la Tour', street="1 rue\nde la Paix", phone="+33 (1) 23-45", country="fr", zip="75 001"),
    )
    f = fields(shop(), o)
    assert f["vads_cust_first_name"] == "Jean-Luc"
    assert f["vads_cust_last_name"] == "JL de la Tour"
    assert f["vads_cust_address"] == "1 rue de la Paix"
    assert f["vads_cust_phone"] == "+3312345"
    assert f["vads_cust_country"] == "FR"
    assert "vads_ship_to_city" not in f


def test_signed_form_verifies_and_breaks_when_amount_changes():
    s = shop()
    signed = sign_form(fields(s, order()), s)
    assert verify_signature(signed, signed["signature"], s.key)
    signed["vads_amount"] = "1"
    assert not verify_signature(signed, signed["signature"], s.key)


def test_helpers():
    assert split_name("Cher") == ("", "Cher")
    assert clean_text("a" * 300, 255) == "a" * 255


def test_the_buyer_comes_back_with_a_posted_form_never_a_query_string():
    # GET would put the masked card, e-mail, address, phone and CAVV in the return URL
    # (proxy logs, browser history); POST keeps them in the body.
    f = fields(shop(), order())
    assert f["vads_return_mode"] == "POST"
    assert f["vads_url_return"] == "http://localhost/return/x"


def reference_clean_text(value: object, max_length: int) -> str:
    """clean_text without its shortcut for printable ASCII: every character looked at."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = re.sub(r"\s+", " ", text.replace("<", " ").replace(">", " ").replace('"', " ")).strip()
    return text[:max_length].strip()


@given(st.text(), st.integers(min_value=1, max_value=300))
def test_cleaned_text_is_the_same_with_or_without_the_ascii_shortcut(text, length):
    assert clean_text(text, length) == reference_clean_text(text, length)
    ascii_text = text.encode("ascii", "replace").decode()
    assert clean_text(ascii_text, length) == reference_clean_text(ascii_text, length)
