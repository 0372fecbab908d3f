"""Secrets at rest, in the logs, and their rotation."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import webtest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text

from ecwid_systempay import main
from ecwid_systempay.scripts import rotate_keys
from ecwid_systempay.secrets_box import SecretBox

from ..flows import checkout, configure_store, notify
from ..support import CLIENT_SECRET, KEY_TEST, STORE_TOKEN, encrypted_form, gateway_answer, order_payload

CARD = re.compile(r"(?<!\d)\d{13,19}(?!\d)")


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
    for secret in (KEY_TEST, STORE_TOKEN, CLIENT_SECRET, answer["signature"], answer["vads_card_number"]):
        assert secret not in content
    assert "vads_card_number" not in content and "vads_expiry_month" not in content


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
    for secret in (KEY_TEST, STORE_TOKEN, CLIENT_SECRET, answer["signature"], "mscott@example.com", "returnUrl", "store.example"):
        assert secret not in log, secret
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
