"""The legacy ``data`` field (AES-CBC) is not authenticated: a buyer can flip bits of it.

A request that carries only ``data`` is accepted only when its ``token`` is the
store's own saved Ecwid token; ``enc_data`` (AES-GCM, authenticated) wins when present.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from ecwid_systempay.models import PaymentAttempt, Store, TransIdCounter
from ecwid_systempay.protocol.ecwid_crypto import b64decode_urlsafe, b64encode_urlsafe, encrypt_cbc, encrypt_gcm

from ..flows import configure_store, hidden_fields
from ..support import CLIENT_SECRET, order_payload, store_token

TOKEN_1 = store_token(1)
TOKEN_2 = store_token(2)
REFUSED_FR = "Cette demande de paiement n'a pas pu être vérifiée."


def flip_store_id(data: str, old: str, new: str) -> str:
    """Change one digit of ``storeId`` in a CBC ciphertext without the key (the IV is XORed)."""
    raw = bytearray(b64decode_urlsafe(data))
    position = b'{"storeId":'.__len__()
    raw[position] ^= ord(old) ^ ord(new)
    return b64encode_urlsafe(bytes(raw))


def two_stores(testapp) -> None:
    configure_store(testapp, store_id=1, site_id="11111111", key_test="AAAAAAAAAAAAAAAA")
    configure_store(testapp, store_id=2, site_id="22222222", key_test="BBBBBBBBBBBBBBBB")


def nothing_created(dbsession) -> bool:
    attempts = dbsession.scalar(select(func.count()).select_from(PaymentAttempt))
    counters = dbsession.scalar(select(func.count()).select_from(TransIdCounter))
    return attempts == 0 and counters == 0


def test_flipping_the_store_id_of_legacy_data_is_refused(testapp, dbsession):
    two_stores(testapp)
    genuine = encrypt_cbc(order_payload(store_id=1, token=TOKEN_1, lang="fr"), CLIENT_SECRET)
    forged = flip_store_id(genuine, "1", "2")
    response = testapp.post("/payment?app-name=systempay", {"data": forged}, status=403)
    assert REFUSED_FR in response.text
    assert hidden_fields(response.text) == {}
    assert response.html.find(id="back-to-shop") is None  # the decrypted returnUrl is not trusted either
    assert nothing_created(dbsession)
    # The genuine payload still works for its own store.
    page = testapp.post("/payment?app-name=systempay", {"data": genuine}, status=200)
    fields = hidden_fields(page.text)
    assert (fields["vads_site_id"], fields["vads_ext_info_ecwid_store"]) == ("11111111", "1")


def test_legacy_data_needs_the_stores_saved_token(testapp, dbsession, app):
    configure_store(testapp)
    own = store_token(1003)
    for token in (TOKEN_2, own + "x", own[:-1]):
        form = {"data": encrypt_cbc(order_payload(token=token, lang="de"), CLIENT_SECRET)}
        response = testapp.post("/payment?app-name=systempay", form, status=403)
        assert "Diese Zahlungsanfrage konnte nicht überprüft werden." in response.text
    with app.registry["dbsession_factory"].begin() as session:
        session.execute(update(Store).values(ecwid_token_enc=None))
    form = {"data": encrypt_cbc(order_payload(token=own), CLIENT_SECRET)}
    testapp.post("/payment?app-name=systempay", form, status=403)
    assert nothing_created(dbsession)


def test_enc_data_is_preferred_to_a_tampered_data(testapp, dbsession):
    two_stores(testapp)
    payload = order_payload(store_id=1, token=TOKEN_1)
    forged = flip_store_id(encrypt_cbc(payload, CLIENT_SECRET), "1", "2")
    page = testapp.post("/payment?app-name=systempay", {"enc_data": encrypt_gcm(payload, CLIENT_SECRET), "data": forged})
    assert hidden_fields(page.text)["vads_ext_info_ecwid_store"] == "1"
    assert [a.store.ecwid_store_id for a in dbsession.scalars(select(PaymentAttempt))] == [1]
