"""``ecwid_systempay_status``: the operator's summary, its exit codes and its JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from ecwid_systempay.models import EcwidUpdate, PaymentAttempt
from ecwid_systempay.models.meta import utcnow
from ecwid_systempay.scripts import status

from .flows import checkout, configure_store, notify
from .support import gateway_answer


@pytest.fixture
def ini(tmp_path: Path, settings: dict) -> Path:
    path = tmp_path / "ops.ini"
    path.write_text("[app:main]\nuse = egg:ecwid_systempay\n" + "\n".join(f"{k} = {v}" for k, v in settings.items()) + "\n")
    return path


def run(ini: Path, capsys, *args: str) -> tuple[int, str]:
    code = status.main([str(ini), *args])
    return code, capsys.readouterr().out


def report(ini: Path, capsys, *args: str) -> tuple[int, dict]:
    code, out = run(ini, capsys, "--json", *args)
    return code, json.loads(out)


def age(app, reference: str, **delta: float) -> None:
    """Make an order's payment older, as if it had been made ``delta`` ago."""
    with app.registry["dbsession_factory"]() as session, session.begin():
        session.execute(
            update(PaymentAttempt)
            .where(PaymentAttempt.reference_transaction_id == reference)
            .values(created_at=utcnow() - timedelta(**delta))
        )


def paid(testapp, app, *, store_id: int = 1003, reference: str, deliver: bool = True) -> dict[str, str]:
    _, fields = checkout(testapp, store_id=store_id, reference=reference, order_id=reference.upper())
    notify(testapp, gateway_answer(fields))
    if deliver:
        app.registry["update_worker"].run_once()
    return fields


def test_all_well_exits_0_with_a_table_per_store_and_overall(testapp, app, ini, capsys):
    configure_store(testapp)
    paid(testapp, app, reference="transaction_1")
    paid(testapp, app, reference="transaction_2")
    _, refused = checkout(testapp, reference="transaction_3")
    notify(testapp, gateway_answer(refused, status="REFUSED"))
    app.registry["update_worker"].run_once()
    paid(testapp, app, reference="transaction_old")
    age(app, "transaction_old", days=3)
    paid(testapp, app, reference="transaction_ancient")
    age(app, "transaction_ancient", days=10)
    code, out = run(ini, capsys)
    assert code == 0, out
    [line] = [x for x in out.splitlines() if x.startswith("systempay:1003")]
    assert "PAID 2, FAILED 1" in line and "PAID 3, FAILED 1" in line and line.rstrip().endswith("ok")
    assert any(x.startswith("all (1 stores)") for x in out.splitlines())
    assert "Nothing needs attention." in out


def test_json_shape_per_store_and_overall(testapp, app, fake_ecwid, ini, capsys):
    configure_store(testapp, store_id=1003)
    configure_store(testapp, store_id=1004)
    paid(testapp, app, reference="transaction_a", store_id=1003)
    paid(testapp, app, reference="transaction_b", store_id=1004, deliver=False)  # still queued
    code, data = report(ini, capsys)
    assert code == 0
    assert set(data) == {"generated_at", "reconcile_after_seconds", "needs_attention", "overall", "stores"}
    assert data["generated_at"].endswith("Z") and data["needs_attention"] is False
    assert data["overall"] == {
        "stores": 2,
        "payments": {"last_24h": {"PAID": 2}, "last_7d": {"PAID": 2}},
        "pending_updates": 1,
        "overdue_updates": 0,
        "dead_letters": 0,
        "unnotified_payments": 0,
        "stores_not_notified": [],
    }
    first, second = data["stores"]
    assert (first["brand"], first["store_id"], second["store_id"]) == ("systempay", 1003, 1004)
    assert set(first) == {
        "brand", "store_id", "site_id", "mode", "payments", "pending_updates", "overdue_updates", "oldest_pending_since",
        "dead_letters", "unnotified_payments", "notifications_not_arriving", "ipn_failure_at", "ipn_last_seen_at",
        "needs_attention", "problems",
    }
    assert first["pending_updates"] == 0 and second["pending_updates"] == 1 and second["oldest_pending_since"]
    assert first["ipn_last_seen_at"] and first["problems"] == [] and first["mode"] == "TEST"


def test_store_filter(testapp, app, fake_ecwid, ini, capsys):
    configure_store(testapp, store_id=1003)
    configure_store(testapp, store_id=1004)
    paid(testapp, app, reference="transaction_a", store_id=1003)
    _, fields = checkout(testapp, store_id=1004, reference="transaction_b")
    notify(testapp, gateway_answer(fields))
    fake_ecwid.script = [(403, {}, 0)]  # store 1004's token was revoked: a dead letter at once
    app.registry["update_worker"].run_once()
    code, data = report(ini, capsys)
    assert code == 1 and [s["store_id"] for s in data["stores"]] == [1003, 1004]
    code, data = report(ini, capsys, "--store", "1003")
    assert code == 0 and [s["store_id"] for s in data["stores"]] == [1003]
    assert data["overall"]["payments"]["last_24h"] == {"PAID": 1}
    code, data = report(ini, capsys, "--store", "1004", "--brand", "systempay")
    assert code == 1 and data["stores"][0]["dead_letters"] == 1
    assert "dead letter" in data["stores"][0]["problems"][0]
    assert status.main([str(ini), "--store", "9999"]) == 2
    assert status.main([str(ini), "--store", "1003", "--brand", "payzen"]) == 2
    with pytest.raises(SystemExit) as usage:
        status.main([str(ini), "--brand", "systempay"])
    assert usage.value.code == 2


def test_a_dead_letter_needs_attention_until_replayed(testapp, app, fake_ecwid, ini, capsys):
    configure_store(testapp)
    paid(testapp, app, reference="transaction_1", deliver=False)
    fake_ecwid.script = [(403, {}, 0)]
    app.registry["update_worker"].run_once()
    code, out = run(ini, capsys)
    assert code == 1
    assert "Needs attention:" in out and "systempay:1003: 1 dead letter(s)" in out
    from ecwid_systempay.services.updates import replay_dead

    replay_dead(app.registry["dbsession_factory"])
    app.registry["update_worker"].run_once()
    assert run(ini, capsys)[0] == 0


def test_a_payment_confirmed_by_the_return_only_means_notifications_are_not_arriving(testapp, app, ini, capsys):
    configure_store(testapp)
    _, fields = checkout(testapp, reference="transaction_1")
    testapp.post(fields["vads_url_return"], gateway_answer(fields, ipn=False), status=303)  # the signed return
    handler = app.registry["return_handler"]
    handler.clock = lambda: utcnow() + timedelta(minutes=5)  # the wait for the notification is over
    testapp.get(urlsplit(fields["vads_url_return"]).path, status=303)  # completed from the stored return
    handler.clock = utcnow
    code, data = report(ini, capsys)
    assert code == 1
    [store] = data["stores"]
    assert store["notifications_not_arriving"] is True and store["ipn_failure_at"] and store["ipn_last_seen_at"] is None
    assert data["overall"]["stores_not_notified"] == ["systempay:1003"]
    assert "return without notification" in run(ini, capsys)[1]
    # The merchant fixes the notification URL: the next notification clears it.
    paid(testapp, app, reference="transaction_2")
    code, data = report(ini, capsys)
    assert code == 0 and data["stores"][0]["notifications_not_arriving"] is False


def test_a_notification_right_after_a_flagged_failure_clears_it(testapp, app, ini, capsys):
    """The last notification's time is kept to the minute, but a failure flagged in between is cleared at once."""
    configure_store(testapp)
    paid(testapp, app, reference="transaction_1")  # notifications work
    _, fields = checkout(testapp, reference="transaction_2")
    testapp.post(fields["vads_url_return"], gateway_answer(fields, ipn=False), status=303)
    handler = app.registry["return_handler"]
    handler.clock = lambda: utcnow() + timedelta(minutes=5)
    testapp.get(urlsplit(fields["vads_url_return"]).path, status=303)  # completed from the return: flagged
    handler.clock = utcnow
    assert report(ini, capsys)[1]["stores"][0]["notifications_not_arriving"] is True
    paid(testapp, app, reference="transaction_3")  # seconds after transaction_1's notification
    code, data = report(ini, capsys)
    assert code == 0 and data["stores"][0]["notifications_not_arriving"] is False


def test_payments_waiting_past_the_reconcile_delay_need_attention(testapp, app, ini, capsys):
    configure_store(testapp)
    checkout(testapp, reference="transaction_waiting")
    assert run(ini, capsys)[0] == 0  # just started: the gateway may still notify
    age(app, "transaction_waiting", hours=3)
    code, data = report(ini, capsys)
    assert code == 1
    [store] = data["stores"]
    assert store["unnotified_payments"] == 1 and store["notifications_not_arriving"] is True
    assert data["stores"][0]["payments"]["last_24h"] == {"NEW": 1}


def test_updates_nobody_picks_up_need_attention(testapp, app, ini, capsys):
    configure_store(testapp)
    paid(testapp, app, reference="transaction_1", deliver=False)
    assert run(ini, capsys)[0] == 0  # queued a moment ago: normal
    with app.registry["dbsession_factory"]() as session, session.begin():
        session.execute(update(EcwidUpdate).values(next_attempt_at=utcnow() - timedelta(minutes=20)))
    code, data = report(ini, capsys)
    assert code == 1 and data["overall"]["overdue_updates"] == 1
    assert "is a worker running?" in data["stores"][0]["problems"][0]


def test_the_console_script_is_installed(testapp, app, ini):
    configure_store(testapp)
    paid(testapp, app, reference="transaction_1")
    script = Path(sys.executable).parent / "ecwid_systempay_status"
    done = subprocess.run([str(script), str(ini), "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stores"][0]["payments"]["last_24h"] == {"PAID": 1}
