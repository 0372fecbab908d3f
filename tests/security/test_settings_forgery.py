"""Forged settings payloads: a payload names a store, only Ecwid's store profile proves it.

The CBC ``?payload=`` has no integrity: XOR-ing the IV with ``old ^ new`` rewrites
the first plaintext block, ``{"store_id":1003``, into ``{"store_id":1234`` while the
rest (the attacker's own token) still decrypts. The default-auth fragment is plain
JSON anyone can write.
"""

from __future__ import annotations

from sqlalchemy import select

from ecwid_systempay.models import Store
from ecwid_systempay.protocol.ecwid_crypto import b64decode_urlsafe, b64encode_urlsafe, decrypt_cbc

from ..flows import configure_store
from ..support import CLIENT_SECRET, settings_fragment, settings_payload, store_token

ATTACKER, VICTIM = 1003, 1234


def flip_store_id(payload: str, old: int, new: int) -> str:
    """Rewrite the store id of a CBC payload by flipping IV bits (same length ids)."""
    raw = bytearray(b64decode_urlsafe(payload))
    before, after = f'{{"store_id":{old}'.encode(), f'{{"store_id":{new}'.encode()
    assert len(before) == len(after) <= 16
    for i, (a, b) in enumerate(zip(before, after)):
        raw[i] ^= a ^ b
    return b64encode_urlsafe(bytes(raw))


def victim_row(dbsession) -> Store:
    return dbsession.scalar(select(Store).where(Store.ecwid_store_id == VICTIM))


def assert_no_form(response) -> None:
    assert "settings_token" not in response.text
    assert 'id="deform"' not in response.text and "<form" not in response.text


def test_a_bit_flipped_payload_gets_no_form_and_no_token_for_the_other_store(testapp, app, dbsession, fake_ecwid):
    configure_store(testapp, store_id=VICTIM, site_id="87654321")
    before = victim_row(dbsession)
    forged = flip_store_id(settings_payload(ATTACKER), ATTACKER, VICTIM)
    claimed = decrypt_cbc(forged, CLIENT_SECRET)
    assert claimed["store_id"] == VICTIM and claimed["access_token"] == store_token(ATTACKER)  # the forgery itself works

    response = testapp.get("/settings", {"payload": forged, "app-name": "systempay"}, status=403)

    assert_no_form(response)
    assert "cannot be opened for this store" in response.text
    assert fake_ecwid.profiles[-1].path == f"/api/v3/{VICTIM}/profile"
    assert fake_ecwid.profiles[-1].headers["Authorization"] == f"Bearer {store_token(ATTACKER)}"
    after = victim_row(dbsession)
    assert (after.site_id, after.ecwid_token_enc, after.key_test_enc) == (before.site_id, before.ecwid_token_enc, before.key_test_enc)
    assert app.registry["secret_box"].decrypt(after.ecwid_token_enc) == store_token(VICTIM)


def test_a_forged_payload_for_an_unknown_store_creates_nothing(testapp, dbsession):
    forged = flip_store_id(settings_payload(ATTACKER), ATTACKER, VICTIM)
    assert_no_form(testapp.get("/settings", {"payload": forged}, status=403))
    assert dbsession.scalars(select(Store)) == []


def test_a_written_fragment_naming_another_store_gets_no_form(testapp, dbsession):
    configure_store(testapp, store_id=VICTIM, site_id="87654321")
    fragment = settings_fragment(VICTIM, token=store_token(ATTACKER))
    response = testapp.post("/settings?app-name=systempay", {"payload_hex": fragment}, status=403)
    assert_no_form(response)
    assert victim_row(dbsession).site_id == "87654321"


def test_a_profile_naming_another_store_is_a_refusal(testapp, fake_ecwid, dbsession):
    fake_ecwid.profile_tokens[VICTIM] = store_token(ATTACKER)  # the token is accepted...
    fake_ecwid.profile_store_id = ATTACKER  # ...but the profile is the attacker's store
    forged = flip_store_id(settings_payload(ATTACKER), ATTACKER, VICTIM)
    assert_no_form(testapp.get("/settings", {"payload": forged}, status=403))
    assert dbsession.scalars(select(Store)) == []
