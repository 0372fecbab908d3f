"""Secrets at rest, in the logs, and their rotation."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import webtest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text

from ecwid_systempay import main
from ecwid_systempay.models.meta import utcnow
from ecwid_systempay.scripts import rotate_keys
from ecwid_systempay.secrets_box import SecretBox

from ..flows import checkout, configure_store, notify
from ..support import CAVV, CLIENT_SECRET, KEY_TEST, STORE_TOKEN, encrypted_form, gateway_answer, order_payload

CARD = re.compile(r"(?<!\d)\d{13,19}(?!\d)")
#: What the buyer gave Ecwid and the gateway echoes in its notification and return (tests/support.py).
BUYER_DATA = ("mscott@example.com", "Lackawanna", "Scranton", "5705550100", "Michael Scott", CAVV, "497010XXXXXX0055")


def full_flow(testapp, app, fake_ecwid) -> dict[str, str]:
    configure_store(testapp, key_test=KEY_TEST)
    _, fields = checkout(testapp)
    answer = gateway_answer(fields)
    notify(testapp, answer)
    notify(testapp, gateway_answer(fields, key="0000000000000000"))  # bad signature
    testapp.post("/payment", {"enc_data": "garbage"}, status=400)
    fake_ecwid.script = [(500, {}, 0)]
    app.registry["update_worker"].run_once()
    app.registry["update_worker"].run_once()
    testapp.get(urlsplit(fields["vads_url_return"]).path, gateway_answer(fields, ipn=False), status=303)
    # A payment whose notification never comes: its posted return is stored, then completes the order.
    _, other = checkout(testapp, reference="transaction_return_only", order_id="RETONLY")
    path = urlsplit(other["vads_url_return"]).path
    assert testapp.post(path, gateway_answer(other, ipn=False), status=303).location == f"http://localhost{path}"
    testapp.get(path, status=202)
    handler = app.registry["return_handler"]
    handler.clock = lambda: utcnow() + timedelta(minutes=5)
    assert testapp.get(path, status=303).location.startswith("https://store.example/")
    return answer


def dump(engine) -> str:
    chunks = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


def test_database_holds_no_plaintext_secret(testapp, app, fake_ecwid):
    answer = full_flow(testapp, app, fake_ecwid)
    content = dump(app.registry["dbengine"])
    assert "PAID" in content  # the dump did read the data
    assert "RETURN" in content  # the return-only payment was stored
    for secret in (KEY_TEST, STORE_TOKEN, CLIENT_SECRET, answer["signature"], answer["vads_card_number"], *BUYER_DATA):
        assert secret not in content, secret
    for name in ("vads_card_number", "vads_expiry_month", "vads_expiry_year", "vads_threeds_cavv", "vads_cust_", "vads_ship_to_"):
        assert name not in content, name


def test_logs_hold_no_secret_payload_signature_or_card_number(testapp, app, fake_ecwid):
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Capture(level=logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        answer = full_flow(testapp, app, fake_ecwid)
        testapp.post("/payment", encrypted_form(order_payload(), secret="another-secret-0000000000"), status=400)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    log = "\n".join(records)
    assert "checkout store=1003" in log and "Ecwid update job" in log  # the flow was logged
    assert "payment completed from the buyer's return" in log  # the return-only payment was logged
    for secret in (KEY_TEST, STORE_TOKEN, CLIENT_SECRET, answer["signature"], "returnUrl", "store.example", *BUYER_DATA):
        assert secret not in log, secret
    assert "vads_" not in log
    assert not CARD.search(log), CARD.search(log)


def test_rotation_re_encrypts_every_secret_with_the_newest_key(testapp, app, fake_ecwid, settings, tmp_path, capsys):
    full_flow(testapp, app, fake_ecwid)
    new_key = Fernet.generate_key().decode()
    rotated = {**settings, "ecwid_systempay.secret_keys": f"{new_key} {settings['ecwid_systempay.secret_keys']}"}
    ini = tmp_path / "rotate.ini"
    ini.write_text("[app:main]\nuse = egg:ecwid_systempay\n" + "\n".join(f"{k} = {v}" for k, v in rotated.items()) + "\n")
    assert rotate_keys.main([str(ini)]) == 0
    assert "secret(s) re-encrypted" in capsys.readouterr().out

    only_new = SecretBox([new_key])
    with app.registry["dbengine"].connect() as conn:
        values = [
            *conn.execute(text("SELECT key_test_enc FROM stores")).scalars(),
            *conn.execute(text("SELECT ecwid_token_enc FROM stores")).scalars(),
            *conn.execute(text("SELECT ecwid_token_enc FROM payment_attempts")).scalars(),
            *conn.execute(text("SELECT token_enc FROM ecwid_updates")).scalars(),
        ]
    assert len(values) >= 4
    assert {only_new.decrypt(v) for v in values} == {KEY_TEST, STORE_TOKEN}

    # The old key can go: the app runs with the new key alone.
    app2 = main({}, **{**settings, "ecwid_systempay.secret_keys": new_key})
    fresh = webtest.TestApp(app2, extra_environ={"HTTP_HOST": "localhost"})
    _, fields = checkout(fresh, reference="transaction_after_rotation")
    assert notify(fresh, gateway_answer(fields)).text.startswith("OK-Accepted")
    app2.registry["dbengine"].dispose()
