"""Simulated Systempay: notification delivery, automatic retry, failure e-mails."""

from __future__ import annotations

from .systempay_support import (  # noqa: F401 - fixtures
    RETRY_INTERVAL,
    assert_signed,
    eventually,
    form,
    ipn_fixture,
    pay,
    post_form,
    sp_fixture,
)

FAIL = (500, "KO-database down", {})


def _pay(sp, card: str = "4970100000000014", **overrides: str) -> str:
    testapp, platform = sp
    fields = form(platform, **overrides)
    pay(testapp, post_form(testapp, fields), card)
    return platform.find_transactions(trans_id=fields["vads_trans_id"])[0].uuid


def test_retry_after_failures_then_success(sp, ipn) -> None:
    _testapp, platform = sp
    ipn.script = [FAIL, FAIL]
    uuid = _pay(sp)
    assert platform.wait_idle(timeout=5)
    calls = ipn.calls()
    assert [c.fields["vads_url_check_src"] for c in calls] == ["PAY", "RETRY", "RETRY"]
    for call in calls:
        assert_signed(call.fields)
    assert len({c.fields["vads_trans_uuid"] for c in calls}) == 1
    history = platform.calls(uuid)
    assert [(c.attempt, c.success, c.http_status) for c in history] == [(1, False, 500), (2, False, 500), (3, True, 200)]
    assert history[0].info.startswith("FAILED, rule=URL de notification à la fin du paiement, http_code=500")
    assert history[0].response == "KO-database down"
    assert (history[1].at - history[0].at).total_seconds() >= RETRY_INTERVAL * 0.9
    subjects = [e.subject for e in platform.outbox()]
    assert subjects == [
        "FAILURE during the call to your IPN URL [unsuccessful attempt #1]",
        "FAILURE during the call to your IPN URL [unsuccessful attempt #2]",
    ]
    assert all(e.to == ("alerts@demo-shop.test",) for e in platform.outbox())
    body = platform.outbox()[0].body
    assert "HTTP code 500" in body and "7731553187454211" not in body


def test_four_retries_at_most_and_last_email(sp, ipn) -> None:
    _testapp, platform = sp
    ipn.script = [FAIL] * 10
    uuid = _pay(sp)
    assert platform.wait_idle(timeout=5)
    assert len(ipn.calls()) == 5
    assert [c.source for c in platform.calls(uuid)] == ["PAY", "RETRY", "RETRY", "RETRY", "RETRY"]
    subjects = [e.subject for e in platform.outbox()]
    assert subjects[-1] == "FAILURE during the call to your IPN URL [unsuccessful attempt #last]"
    assert subjects[:4] == [f"FAILURE during the call to your IPN URL [unsuccessful attempt #{n}]" for n in range(1, 5)]
    assert platform.pending_retries() == 0


def test_no_retry_when_disabled(sp, ipn) -> None:
    _testapp, platform = sp
    platform.set_rule("end_of_payment", retry=False)
    ipn.script = [FAIL]
    _pay(sp)
    assert platform.pending_retries() == 0
    assert len(ipn.calls()) == 1
    assert [e.subject for e in platform.outbox()] == [
        "FAILURE during the call to your IPN URL [unsuccessful attempt #last]"
    ]


def test_failure_email_goes_to_the_manager_without_rule_address(sp, ipn) -> None:
    _testapp, platform = sp
    platform.set_rule("end_of_payment", emails=[], retry=False)
    ipn.script = [FAIL]
    _pay(sp)
    assert platform.outbox()[0].to == ("manager@demo-shop.test",)
    platform.set_rule("end_of_payment", emails=["a@shop.test", "b@shop.test"])
    ipn.script = [FAIL]
    _pay(sp)
    assert platform.outbox()[1].to == ("a@shop.test", "b@shop.test")


def test_success_codes_and_redirects_not_followed(sp, ipn) -> None:
    _testapp, platform = sp
    platform.set_rule("end_of_payment", retry=False)
    ipn.script = [(302, "", {"Location": ipn.url.replace("/callback", "/elsewhere")})]
    uuid = _pay(sp)
    assert [c.path for c in ipn.calls()] == ["/callback?app-name=systempay"]
    assert platform.calls(uuid)[0].success
    ipn.script = [(204, "", {})]
    assert platform.calls(_pay(sp))[0].success
    ipn.script = [(404, "Not Found", {})]
    call = platform.calls(_pay(sp))[0]
    assert not call.success and call.http_status == 404
    ipn.script = [(304, "", {})]
    assert not platform.calls(_pay(sp))[0].success


def test_unreachable_url_is_a_failure(sp, ipn) -> None:
    _testapp, platform = sp
    platform.set_rule_url("http://127.0.0.1:9/callback", rule="end_of_payment")
    platform.set_rule("end_of_payment", retry=False)
    call = platform.calls(_pay(sp))[0]
    assert not call.success and call.http_status is None
    assert call.info.startswith("FAILED, rule=URL de notification à la fin du paiement, error=connection failed")


def test_response_is_cut_to_256_bytes(sp, ipn) -> None:
    _testapp, platform = sp
    ipn.script = [(200, "OK-" + "x" * 1000, {})]
    call = platform.calls(_pay(sp))[0]
    assert call.response == ("OK-" + "x" * 1000)[:256]


def test_run_retries_now_forces_the_pending_attempts(ipn) -> None:
    from .systempay_support import make_app

    testapp, platform = make_app(**{"sandbox.retry_interval_seconds": "900"})
    try:
        platform.set_rule_url(ipn.url)
        ipn.script = [FAIL]
        uuid = _pay((testapp, platform))
        assert platform.pending_retries() == 1
        calls = platform.run_retries_now()
        assert [(c.source, c.success) for c in calls] == [("RETRY", True)]
        assert platform.pending_retries() == 0
        assert len(platform.calls(uuid)) == 2
    finally:
        platform.close()


def test_asynchronous_first_call(ipn) -> None:
    from .systempay_support import make_app

    testapp, platform = make_app(**{"sandbox.ipn_synchronous": "false"})
    try:
        platform.set_rule_url(ipn.url)
        _pay((testapp, platform))
        assert eventually(lambda: len(ipn.calls()) == 1)
        assert ipn.calls()[0].fields["vads_url_check_src"] == "PAY"
    finally:
        platform.close()


def test_disabled_end_of_payment_rule_sends_nothing(sp, ipn) -> None:
    _testapp, platform = sp
    platform.set_rule("end_of_payment", enabled=False)
    uuid = _pay(sp)
    assert ipn.calls() == []
    assert platform.calls(uuid) == []


def test_production_url_is_used_in_production(sp, ipn) -> None:
    testapp, platform = sp
    key = platform.generate_production_key(force=True)
    platform.set_rule("end_of_payment", url_test="http://127.0.0.1:9/test",
                      url_production=ipn.url.replace("/callback", "/prod"))
    fields = form(platform, key, vads_ctx_mode="PRODUCTION")
    pay(testapp, post_form(testapp, fields), "4970100000000014")
    assert ipn.calls()[0].path == "/prod?app-name=systempay"
    assert_signed(ipn.calls()[0].fields, key=key)
