"""What a verified notification or return leaves in ``notifications.fields``.

Processing and the merchant's payment history need the payment's identity and
result; the test-phase assistant needs the card brand, BIN and last four digits.
Nothing else is kept: no e-mail, name, address or phone, no CAVV, no expiry, no
card number (PCI DSS), whatever the gateway echoes.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text

from ecwid_systempay.models import StoredNotification
from ecwid_systempay.protocol.notification import parse_pairs
from ecwid_systempay.scripts.initialize_db import alembic_config, upgrade

from .flows import checkout, configure_store, notify
from .support import CAVV, gateway_answer

#: What the buyer typed in Ecwid (tests/support.py order_payload) and what the card gives.
PERSONAL = (
    "mscott@example.com",
    "Scott",
    "Michael",
    "Lackawanna",
    "Scranton",
    "18508",
    "5705550100",
    "1 Main St",
    CAVV,
    "eHl6eHl6",
    "497010XXXXXX0055",
)
NEVER_KEPT = (
    "vads_cust_email",
    "vads_cust_first_name",
    "vads_cust_last_name",
    "vads_cust_address",
    "vads_cust_phone",
    "vads_cust_zip",
    "vads_cust_city",
    "vads_ship_to_street",
    "vads_ship_to_last_name",
    "vads_threeds_cavv",
    "vads_threeds_xid",
    "vads_card_number",
    "vads_expiry_month",
    "vads_expiry_year",
    "signature",
)


def assert_minimal(stored: StoredNotification) -> None:
    content = json.dumps(stored.fields)
    for value in PERSONAL:
        assert value not in content, value
    for name in NEVER_KEPT:
        assert name not in stored.fields, name
    # What the history and the test-phase assistant need is there.
    assert stored.fields["vads_trans_status"] == "AUTHORISED"
    assert stored.fields["vads_result"] == "00"
    assert stored.fields["vads_card_brand"] == "CB"
    assert stored.fields["card_bin"] == "497010"
    assert stored.fields["card_last4"] == "0055"
    assert stored.fields["vads_threeds_status"] == "Y"
    assert stored.fields["vads_amount"] == "1230" and stored.fields["vads_currency"] == "978"


def test_a_notification_from_the_gateway_keeps_no_personal_or_card_data(testapp, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp)
    assert notify(testapp, gateway_answer(fields)).text.startswith("OK-Accepted")
    [stored] = dbsession.scalars(select(StoredNotification))
    assert stored.kind == "IPN"
    assert_minimal(stored)
    assert stored.fields["vads_url_check_src"] == "PAY"


def test_a_signed_return_keeps_no_personal_or_card_data(testapp, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp)
    testapp.post(urlsplit(fields["vads_url_return"]).path, gateway_answer(fields, ipn=False), status=303)
    [stored] = dbsession.scalars(select(StoredNotification))
    assert stored.kind == "RETURN"
    assert_minimal(stored)


def test_derived_card_values_only_from_a_masked_number_of_the_usual_shape():
    base = gateway_answer({"vads_site_id": "12345678", "vads_ctx_mode": "TEST", "vads_trans_id": "000001",
                           "vads_trans_date": "20261124120000", "vads_amount": "100", "vads_currency": "978"})
    for number, derived in (
        ("497010XXXXXX0055", {"card_bin": "497010", "card_last4": "0055"}),
        ("5970100300000067", {"card_bin": "597010", "card_last4": "0067"}),
        ("", {}),
        ("XXXX", {}),
        ("4970", {}),
    ):
        kept = parse_pairs({**base, "vads_card_number": number}.items()).storable_fields()
        assert {k: v for k, v in kept.items() if k.startswith("card_")} == derived, number
        assert "vads_card_number" not in kept


def test_the_migration_cleans_the_rows_stored_before(db_url):
    """Rows written by the previous version kept every echoed field but the card ones."""
    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)
    previous = script.get_revision("0003_return_data").down_revision
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, previous)
        old = {
            "vads_site_id": "12345678", "vads_ctx_mode": "TEST", "vads_trans_id": "000042",
            "vads_trans_date": "20261124120000", "vads_amount": "1230", "vads_currency": "978",
            "vads_trans_status": "AUTHORISED", "vads_result": "00", "vads_card_brand": "CB",
            "vads_cust_email": "mscott@example.com", "vads_cust_phone": "+15705550100",
            "vads_cust_address": "555 Lackawanna Ave", "vads_ship_to_city": "Scranton",
            "vads_threeds_cavv": CAVV, "vads_hash": "f" * 64,
        }
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO notifications (received_at, kind, site_id, ctx_mode, trans_id, trans_date,"
                    " trans_status, source, operation_type, trans_uuid, amount_minor, currency_numeric, fields)"
                    " VALUES (:at, 'IPN', '12345678', 'TEST', '000042', '20261124120000', 'AUTHORISED', 'PAY',"
                    " 'DEBIT', '', 1230, '978', :fields)"
                ),
                {"at": "2026-11-24 12:00:00", "fields": json.dumps(old)},
            )
        upgrade(engine)
        with engine.connect() as connection:
            [raw] = connection.execute(text("SELECT fields FROM notifications")).scalars()
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM notifications"))
        engine.dispose()
    kept = raw if isinstance(raw, dict) else json.loads(raw)
    assert kept == {
        "vads_site_id": "12345678", "vads_ctx_mode": "TEST", "vads_trans_id": "000042",
        "vads_trans_date": "20261124120000", "vads_amount": "1230", "vads_currency": "978",
        "vads_trans_status": "AUTHORISED", "vads_result": "00", "vads_card_brand": "CB",
    }
