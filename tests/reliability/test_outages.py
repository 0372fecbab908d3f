"""Ecwid down: the notification is still answered at once; updates retry, then dead-letter with an alert."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ecwid_systempay.models import EcwidUpdate
from ecwid_systempay.scripts import dead_letters

from ..flows import checkout, configure_store, notify
from ..support import gateway_answer


def job(dbsession) -> EcwidUpdate:
    return dbsession.scalar(select(EcwidUpdate).order_by(EcwidUpdate.id.desc()).limit(1))


def write_ini(tmp_path: Path, settings: dict) -> Path:
    ini = tmp_path / "ops.ini"
    lines = ["[app:main]", "use = egg:ecwid_systempay"] + [f"{k} = {v}" for k, v in settings.items()]
    ini.write_text("\n".join(lines) + "\n")
    return ini


def test_notification_is_answered_without_waiting_for_ecwid(testapp, app, fake_ecwid, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp)
    fake_ecwid.script = [(0, {}, 2.5)]  # a slow Ecwid: the first PUT hangs 2.5 s (timeout is 2 s)
    assert notify(testapp, gateway_answer(fields)).text.startswith("OK-Accepted")
    assert fake_ecwid.requests == []  # answered once stored: Ecwid is not called on the answer's path
    app.registry["update_worker"].run_once()
    assert job(dbsession).state == "PENDING" and job(dbsession).last_error == "timeout"
    deadline = time.monotonic() + 10
    while "transaction_65306446" not in fake_ecwid.orders and time.monotonic() < deadline:
        time.sleep(0.05)  # the slow PUT lands on Ecwid's side after our client gave up
    app.registry["update_worker"].run_once()
    assert job(dbsession).state == "DONE"
    assert [r.method for r in fake_ecwid.requests] == ["PUT", "GET"]  # checked, not sent twice


def test_connection_reset_is_retried(testapp, app, fake_ecwid, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp)
    fake_ecwid.script = [(-1, {}, 0)]
    notify(testapp, gateway_answer(fields))
    app.registry["update_worker"].run_once()
    assert job(dbsession).last_error.startswith("connection error")
    app.registry["update_worker"].run_once()
    assert job(dbsession).state == "DONE"
    assert [r.method for r in fake_ecwid.requests] == ["PUT", "GET", "PUT"]  # checked first: not applied
    assert fake_ecwid.orders["transaction_65306446"] == "PAID"


def test_backoff_grows_and_honours_retry_after(testapp, app, fake_ecwid, dbsession):
    from ecwid_systempay.services.updates import UpdateWorker

    worker: UpdateWorker = app.registry["update_worker"]
    worker.retry_base, worker.retry_max = 10, 60
    delays = [worker.backoff(n) for n in (1, 2, 3, 4, 5)]
    assert 8 <= delays[0] <= 12 and 16 <= delays[1] <= 24 and 32 <= delays[2] <= 48
    assert all(d <= 72 for d in delays)
    configure_store(testapp)
    _, fields = checkout(testapp)
    fake_ecwid.script = [(429, {"Retry-After": "7"}, 0)]
    notify(testapp, gateway_answer(fields))
    worker.run_once()
    row = job(dbsession)
    assert row.state == "PENDING"
    assert timedelta(seconds=6) <= row.next_attempt_at - row.created_at <= timedelta(seconds=9)


def test_gives_up_into_a_dead_letter_with_an_alert_then_the_operator_replays_it(
    testapp, app, fake_ecwid, dbsession, settings, tmp_path, capsys
):
    configure_store(testapp)
    _, fields = checkout(testapp)
    fake_ecwid.script = [(500, {}, 0)] * 50
    notify(testapp, gateway_answer(fields))
    worker = app.registry["update_worker"]
    worker.run_once()
    assert job(dbsession).state == "PENDING"
    worker.dead_after = timedelta(seconds=0)  # the bounded retry time is over
    worker.run_once()
    dead = job(dbsession)
    assert dead.state == "DEAD" and dead.last_error == "HTTP 500" and dead.alerted_at is not None
    mails = list((Path(settings["mail.debug_directory"])).glob("*"))
    assert len(mails) == 1
    text = mails[0].read_text()
    assert "transaction_65306446" in text and "ops@example.test" in text and "--replay" in text

    ini = write_ini(tmp_path, settings)
    assert dead_letters.main([str(ini)]) == 1
    listing = capsys.readouterr().out
    assert "transaction_65306446" in listing and "PAID" in listing and "HTTP 500" in listing

    fake_ecwid.script = []  # Ecwid is back
    assert dead_letters.main([str(ini), "--replay", str(dead.id)]) == 0
    assert "1 update(s) queued again" in capsys.readouterr().out
    worker.dead_after = timedelta(hours=1)
    worker.run_once()
    assert job(dbsession).state == "DONE"
    assert fake_ecwid.orders["transaction_65306446"] == "PAID"
    assert dead_letters.main([str(ini)]) == 0


def test_a_refused_token_is_a_dead_letter_at_once(testapp, app, fake_ecwid, dbsession, settings):
    configure_store(testapp)
    _, fields = checkout(testapp, token="secret_revoked")
    notify(testapp, gateway_answer(fields))
    app.registry["update_worker"].run_once()
    assert job(dbsession).state == "DEAD" and job(dbsession).last_error == "HTTP 403"
    assert len(list(Path(settings["mail.debug_directory"]).glob("*"))) == 1


@pytest.mark.postgresql
@pytest.mark.parametrize("idle", [False, True], ids=["connections in use", "connections idle"])
def test_a_database_restart_costs_no_notification(
    testapp, app, fake_ecwid, dbsession, db_url, postgres_engine, monkeypatch, idle
):
    """Every pooled connection dies (as in a PostgreSQL restart): the next notification is answered and applied."""
    if not db_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL")
    import psycopg

    import ecwid_systempay.models as models

    configure_store(testapp)
    _, fields = checkout(testapp)
    if idle:  # pooled connections unused for a while are pinged before use
        monkeypatch.setattr(models, "PING_AFTER_IDLE_SECONDS", 0.0)
    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    assert killed
    postgres_engine.dispose()  # the test suite's own connection went too
    assert notify(testapp, gateway_answer(fields)).text.startswith("OK-Accepted payment, order has been updated.")
    app.registry["update_worker"].run_once()
    assert [p.body["paymentStatus"] for p in fake_ecwid.puts()] == ["PAID"]
