"""Late, replayed and out-of-order notifications: the order ends right, every transition is audited."""

from __future__ import annotations

from sqlalchemy import select

from ecwid_systempay.models import PaymentAttempt, Transition

from ..flows import checkout, configure_store, notify
from ..support import gateway_answer


def drain(app) -> None:
    while app.registry["update_worker"].run_once():
        pass


def statuses(fake_ecwid) -> list[str]:
    return [p.body["paymentStatus"] for p in fake_ecwid.puts()]


def test_replays_and_late_messages_after_payment(testapp, app, fake_ecwid, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp)
    sequence = [
        ("AUTHORISED", "PAY", "OK-Accepted payment, order has been updated."),
        ("CAPTURED", "BATCH", "OK-Accepted payment, already registered."),
        ("AUTHORISED", "RETRY", "OK-Accepted payment, already registered."),
        ("REFUSED", "PAY", "KO-Order status does not match the payment result."),
        ("ABANDONED", "PAY", "KO-Payment abandoned, order already registered."),
        ("AUTHORISED", "BO", "OK-Accepted payment, already registered."),  # a manual re-send days later
    ]
    for status, source, body in sequence:
        assert notify(testapp, gateway_answer(fields, status=status, source=source)).text == body + "\n"
        drain(app)
    assert statuses(fake_ecwid) == ["PAID"]
    audit = dbsession.scalars(select(Transition).order_by(Transition.id))
    assert [(t.from_status, t.to_status, t.source, t.trans_status) for t in audit] == [("NEW", "PAID", "PAY", "AUTHORISED")]
    assert all(t.notification_id for t in audit)


def test_pending_then_captured_then_cancelled_then_late_replay(testapp, app, fake_ecwid, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp)
    for status, source in (
        ("AUTHORISED_TO_VALIDATE", "PAY"),
        ("AUTHORISED", "MERCH_BO"),
        ("CAPTURED", "BATCH"),
        ("CANCELLED", "MERCH_BO"),
        ("AUTHORISED", "BO"),
        ("REFUSED", "RETRY"),
    ):
        notify(testapp, gateway_answer(fields, status=status, source=source))
        drain(app)
    assert statuses(fake_ecwid) == ["AWAITING_PAYMENT", "PAID", "CANCELLED"]
    audit = [(t.to_status, t.source) for t in dbsession.scalars(select(Transition).order_by(Transition.id))]
    assert audit == [("PENDING", "PAY"), ("PAID", "MERCH_BO"), ("CANCELLED", "MERCH_BO")]


def test_older_attempts_never_undo_the_newest_payment(testapp, app, fake_ecwid, dbsession):
    configure_store(testapp)
    _, first = checkout(testapp)
    _, second = checkout(testapp)
    _, third = checkout(testapp)
    notify(testapp, gateway_answer(first, status="REFUSED"))
    drain(app)
    notify(testapp, gateway_answer(third, status="AUTHORISED"))
    drain(app)
    notify(testapp, gateway_answer(second, status="ABANDONED"))
    notify(testapp, gateway_answer(first, status="REFUSED", source="RETRY"))
    drain(app)
    assert statuses(fake_ecwid) == ["INCOMPLETE", "PAID"]
    by_trans = {a.trans_id: a.status for a in dbsession.scalars(select(PaymentAttempt))}
    assert by_trans == {first["vads_trans_id"]: "FAILED", second["vads_trans_id"]: "FAILED", third["vads_trans_id"]: "PAID"}
    assert fake_ecwid.puts()[-1].body["externalTransactionId"] == gateway_answer(third)["vads_trans_uuid"]
