"""Values the settings form must refuse with a readable error next to the field (never a 500)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from ecwid_systempay.models import Store

from .flows import field_error, open_settings


def submit(testapp, lang: str = "en", **values: str):
    form = open_settings(testapp, lang=lang).forms["settings"]
    for name, value in values.items():
        form[name] = value
    return form.submit("save", status="*")


@pytest.mark.parametrize(
    "value", ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", "1e999", "1e-999", "1E+3", "-0", "0", "12.3456", "١٢", "1 000", "1.2.3", "+5"]
)
def test_an_amount_that_is_not_a_plain_positive_number_is_refused_next_to_the_field(testapp, dbsession, value):
    response = submit(testapp, threeds_max_amount=value)
    assert response.status_int == 400
    assert "The form has errors" in response.text
    assert field_error(response.text, "threeds_max_amount") in ("Invalid amount", "0 is less than minimum value 0.001")
    assert dbsession.scalar(select(Store.threeds_max_amount)) is None


@pytest.mark.parametrize(("value", "stored"), [("30", Decimal("30")), ("29.99", Decimal("29.99")), ("0,5", Decimal("0.5")), (" 12.125\n", Decimal("12.125"))])
def test_plain_amounts_are_saved(testapp, dbsession, value, stored):
    assert submit(testapp, threeds_max_amount=value).status_int == 200
    assert dbsession.scalar(select(Store.threeds_max_amount)) == stored


def test_the_french_admin_reads_the_amount_error_in_french(testapp):
    response = submit(testapp, lang="fr", threeds_max_amount="NaN")
    assert field_error(response.text, "threeds_max_amount") == "Montant invalide"


@pytest.mark.parametrize("field", ["redirect_success_message", "redirect_error_message"])
@pytest.mark.parametrize("text", ["ab\x00cd", "line\nbreak", "tab\there", "\x1b[31m", "\x7f"])
def test_control_characters_in_a_message_are_refused_next_to_the_field(testapp, dbsession, field, text):
    response = submit(testapp, **{field: text})
    assert response.status_int == 400
    assert field_error(response.text, field) == "Letters, digits and punctuation only: no line break, tab or control character."
    assert dbsession.scalar(select(getattr(Store, field))) == "Redirection vers la boutique dans quelques instants"


@pytest.mark.parametrize(("field", "value"), [("site_id", "١٢٣٤٥٦٧٨"), ("site_id", "1234 5678"), ("key_test", "a\x00b"), ("key_test", "clé")])
def test_lookalike_digits_and_unprintable_keys_are_refused(testapp, dbsession, field, value):
    response = submit(testapp, **{field: value})
    assert response.status_int == 400 and field_error(response.text, field)
    assert dbsession.scalar(select(Store.site_id)) == ""


def test_surrounding_white_space_is_trimmed_before_saving(testapp, app, dbsession):
    assert submit(testapp, site_id="12345678\n", key_test=" 1111111111111111\n").status_int == 200
    store = dbsession.scalar(select(Store))
    assert store.site_id == "12345678"
    assert app.registry["secret_box"].decrypt(store.key_test_enc) == "1111111111111111"
