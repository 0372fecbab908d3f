"""Simulated Systempay: Back Office pages (keys, test table, rules, transactions, outbox)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .systempay_support import (  # noqa: F401 - fixtures
    PREFIX,
    assert_signed,
    form,
    ipn_fixture,
    pay,
    post_form,
    sp_fixture,
    text_of,
)

BO = PREFIX + "/bo"
FAIL = (500, "KO-down", {})


def _pay(sp, card: str = "4970100000000014", **overrides: str):
    testapp, platform = sp
    fields = form(platform, **overrides)
    pay(testapp, post_form(testapp, fields), card)
    return platform.find_transactions(trans_id=fields["vads_trans_id"])[0]


def _rows(testapp) -> dict[str, str]:
    page = testapp.get(BO + "/keys")
    return {row["data-row"]: row["data-status"] for row in page.html.select("#test-table tr.test-row")}


def test_keys_page_shows_shop_keys(sp) -> None:
    testapp, platform = sp
    page = testapp.get(BO + "/keys")
    assert text_of(page, "site-id") == "12345678"
    assert text_of(page, "key-test") == "7731553187454211"
    assert text_of(page, "sign-algo") == "HMAC-SHA-256"
    assert page.html.find(id="production-key") is None
    assert page.html.find(id="production-key-missing") is not None
    assert page.html.find(id="generate-production-key").has_attr("disabled")
    rows = page.html.select("#test-table tr.test-row")
    assert [r["data-expected"] for r in rows] == ["ACCEPTED", "ACCEPTED", "REFUSED", "REFUSED"]
    assert [r.select_one(".test-status").get_text(strip=True) for r in rows] == ["✘"] * 4
    assert platform.keys() == {
        "site_id": "12345678",
        "key_test": "7731553187454211",
        "key_production": None,
        "algorithm": "HMAC-SHA-256",
    }


def test_production_key_only_after_the_four_rows(sp, ipn) -> None:
    testapp, platform = sp
    response = testapp.post(BO + "/keys/generate", {"site_id": "12345678"}).follow()
    assert "must succeed" in text_of(response, "action-result")
    assert platform.get_shop().key_production is None
    with pytest.raises(RuntimeError):
        platform.generate_production_key()
    # Payments that do not count: a card outside the table, a page action other than PAYMENT/REGISTER_PAY.
    _pay(sp, "4970115000000210")  # frictionless card: not in the table
    _pay(sp, "4970100000000014", vads_page_action="ASK_REGISTER_PAY")  # page action not counted
    assert _rows(testapp) == {"1": "todo", "2": "todo", "3": "todo", "4": "todo"}
    _pay(sp, "5970100300000018")  # row 1, Mastercard column
    _pay(sp, "5000550000000052")  # row 2, Maestro
    _pay(sp, "4970100000000063")  # row 3, refused as expected
    assert _rows(testapp) == {"1": "done", "2": "done", "3": "done", "4": "todo"}
    page = testapp.get(BO + "/keys")
    assert page.html.find(id="generate-production-key").has_attr("disabled")
    assert page.html.select("#test-table tr.test-row")[0].select_one(".test-status").get_text(strip=True) == "✓"
    assert page.html.select("#test-table tr.test-row")[0].select_one(".test-date").get_text(strip=True)
    _pay(sp, "4917480000000073")  # row 4
    page = testapp.get(BO + "/keys")
    assert not page.html.find(id="generate-production-key").has_attr("disabled")
    assert page.html.find(id="tests-complete") is not None
    page = page.forms["generate-form"].submit().follow()
    key = text_of(page, "production-key")
    assert len(key) == 16 and key == platform.get_shop().key_production
    assert any(e.kind == "production_key" and e.to == ("manager@demo-shop.test",) for e in platform.outbox())
    assert key not in "".join(e.body for e in platform.outbox())
    # PRODUCTION now works with the production key; the key is hidden after the first one.
    fields = form(platform, key, vads_ctx_mode="PRODUCTION")
    result = pay(testapp, post_form(testapp, fields), "4970100000000014")
    assert result.html.find(id="result")["data-status"] == "AUTHORISED"
    assert_signed(ipn.calls()[-1].fields, key=key)
    page = testapp.get(BO + "/keys")
    assert page.html.find(id="production-key") is None
    assert page.html.find(id="production-key-hidden") is not None


def test_a_row_counts_only_with_its_expected_result(sp, ipn) -> None:
    testapp, platform = sp
    _pay(sp, "4970100000000071")
    assert _rows(testapp) == {"1": "todo", "2": "todo", "3": "todo", "4": "done"}
    # Row 1 card refused (challenge asked by the merchant, then failed): row 1 stays to do.
    page = pay(testapp, post_form(testapp, form(platform, vads_threeds_mpi="3")), "4970100000000014")
    result = page.forms["challenge-form"].submit("action", value="fail").follow()
    assert result.html.find(id="result")["data-status"] == "REFUSED"
    assert _rows(testapp)["1"] == "todo"


def test_test_rows_are_purged_after_30_days(sp, ipn) -> None:
    testapp, platform = sp
    _pay(sp, "4970100000000014")
    later = platform.now() + timedelta(days=31)
    platform.clock = lambda: later
    assert _rows(testapp)["1"] == "todo"


def test_rules_page_edits_a_rule(sp, ipn) -> None:
    testapp, platform = sp
    page = testapp.get(BO + "/rules")
    rows = page.html.select("#rules tr.rule-row")
    assert [r["id"] for r in rows] == ["rule-end_of_payment", "rule-cancellation", "rule-bo_operation"]
    assert all(r["data-enabled"] == "true" for r in rows)
    assert page.html.find(id="rule-end_of_payment-url-test")["value"] == ipn.url
    rule_form = page.forms["rule-cancellation-form"]
    rule_form["url_test"] = "http://127.0.0.1:9/test"
    rule_form["url_production"] = "http://127.0.0.1:9/prod"
    rule_form["emails"] = "ops@shop.test; dev@shop.test"
    rule_form["retry"] = False
    rule_form["enabled"] = False
    page = rule_form.submit().follow()
    assert "saved" in text_of(page, "action-result")
    assert page.html.find(id="rule-cancellation")["data-enabled"] == "false"
    rule = platform.get_shop().rules["cancellation"]
    assert (rule.url_test, rule.url_production, rule.emails, rule.retry, rule.enabled) == (
        "http://127.0.0.1:9/test",
        "http://127.0.0.1:9/prod",
        ["ops@shop.test", "dev@shop.test"],
        False,
        False,
    )


def test_shop_configuration_form(sp) -> None:
    testapp, platform = sp
    page = testapp.get(BO + "/")
    shop_form = page.forms["shop-form"]
    shop_form["manager_email"] = "boss@shop.test"
    shop_form["validation_mode"] = "1"
    page = shop_form.submit()
    assert text_of(page, "action-result") == "Shop configuration saved."
    assert platform.get_shop().manager_email == "boss@shop.test"
    assert platform.get_shop().validation_mode == "1"


def test_default_validation_mode_of_the_shop(sp, ipn) -> None:
    _testapp, platform = sp
    platform.configure_shop(validation_mode="1")
    assert _pay(sp).status == "AUTHORISED_TO_VALIDATE"
    assert _pay(sp, vads_validation_mode="0").status == "AUTHORISED"


def test_transaction_list_and_detail_history(sp, ipn) -> None:
    testapp, platform = sp
    ipn.script = [FAIL]
    platform.set_rule("end_of_payment", retry=False)
    tx = _pay(sp, vads_order_id="ORDER-77")
    page = post_form(testapp, form(platform))
    page.forms["cancel-form"].submit()  # abandoned: hidden from the list by default
    listing = testapp.get(BO + "/transactions")
    rows = listing.html.select("#transactions tr.transaction-row")
    assert [(r["data-trans-id"], r["data-order-id"], r["data-status"], r["data-mode"]) for r in rows] == [
        (tx.trans_id, "ORDER-77", "AUTHORISED", "TEST")
    ]
    assert "12.30 EUR" in rows[0].get_text()
    everything = testapp.get(listing.html.find(id="show-abandoned")["href"])
    assert len(everything.html.select("#transactions tr.transaction-row")) == 2
    detail = testapp.get(rows[0].select_one("a.transaction-link")["href"])
    assert detail.html.find(id="transaction")["data-status"] == "AUTHORISED"
    calls = detail.html.select("#history tr.history-row.notification-call")
    assert len(calls) == 1
    assert calls[0]["data-success"] == "false" and calls[0]["data-http-status"] == "500"
    assert calls[0]["data-source"] == "PAY"
    assert calls[0].select_one(".history-rule").get_text(strip=True) == "URL de notification à la fin du paiement"
    assert calls[0].select_one(".history-response").get_text(strip=True) == "KO-down"
    assert calls[0].select_one(".history-duration").get_text(strip=True).startswith("~")


def test_bo_cancel_sends_merch_bo(sp, ipn) -> None:
    testapp, _platform = sp
    tx = _pay(sp)
    detail = testapp.get(f"{BO}/transactions/{tx.uuid}")
    assert detail.html.find(id="action-validate") is None
    page = testapp.post(f"{BO}/transactions/{tx.uuid}/cancel").follow()
    assert page.html.find(id="transaction")["data-status"] == "CANCELLED"
    assert page.html.find(id="action-cancel") is None
    assert text_of(page, "action-result").startswith("cancel: done. SENT, rule=URL de notification sur une opération")
    fields = ipn.calls()[-1].fields
    assert fields["vads_url_check_src"] == "MERCH_BO"
    assert fields["vads_trans_status"] == "CANCELLED"
    assert fields["vads_trans_uuid"] == tx.uuid
    assert_signed(fields)
    again = testapp.post(f"{BO}/transactions/{tx.uuid}/cancel").follow()
    assert "refused" in text_of(again, "action-result")
    assert len(ipn.calls()) == 2


def test_bo_validate(sp, ipn) -> None:
    testapp, platform = sp
    tx = _pay(sp, vads_validation_mode="1")
    detail = testapp.get(f"{BO}/transactions/{tx.uuid}")
    assert detail.html.find(id="action-validate") is not None
    page = testapp.post(f"{BO}/transactions/{tx.uuid}/validate").follow()
    assert page.html.find(id="transaction")["data-status"] == "AUTHORISED"
    fields = ipn.calls()[-1].fields
    assert (fields["vads_url_check_src"], fields["vads_trans_status"]) == ("MERCH_BO", "AUTHORISED")
    with pytest.raises(ValueError):
        platform.bo_validate(tx.uuid)


def test_bo_operation_rule_disabled_sends_nothing(sp, ipn) -> None:
    _testapp, platform = sp
    platform.set_rule("bo_operation", enabled=False)
    tx = _pay(sp)
    assert platform.bo_cancel(tx.uuid) is None
    assert len(ipn.calls()) == 1


def test_bo_resend_uses_rule_url_without_retry_and_stops_retries(sp, ipn) -> None:
    from .systempay_support import make_app

    module_url = ipn.url.split("/callback")[0]
    testapp, platform = make_app(**{"sandbox.retry_interval_seconds": "900", "sandbox.module_url": module_url})
    try:
        platform.set_rule_url(ipn.url)
        ipn.script = [FAIL]
        override = ipn.url.replace("app-name=systempay", "app-name=payzen")
        tx = _pay((testapp, platform), vads_url_check=override)
        assert platform.pending_retries() == 1
        assert ipn.calls()[0].path == "/callback?app-name=payzen"  # vads_url_check: the module's callback
        page = testapp.post(f"{BO}/transactions/{tx.uuid}/resend").follow()
        assert text_of(page, "action-result").startswith("resend: done. SENT")
        last = ipn.calls()[-1]
        assert last.path == "/callback?app-name=systempay"  # the rule URL, not vads_url_check
        assert last.fields["vads_url_check_src"] == "BO"
        assert_signed(last.fields)
        assert platform.pending_retries() == 0  # a successful manual re-send stops the retries
        ipn.script = [FAIL]
        call = platform.bo_resend(tx.uuid)
        assert not call.success and platform.pending_retries() == 0  # no automatic retry of a BO re-send
        assert platform.outbox()[-1].subject.endswith("[unsuccessful attempt #last]")
        sources = [h["data-source"] for h in testapp.get(f"{BO}/transactions/{tx.uuid}").html.select(
            "#history tr.notification-call")]
        assert sources == ["PAY", "BO", "BO"]
    finally:
        platform.close()


def test_outbox_page(sp, ipn) -> None:
    testapp, platform = sp
    platform.set_rule("end_of_payment", retry=False, emails=[])
    ipn.script = [FAIL]
    _pay(sp)
    page = testapp.get(BO + "/outbox")
    assert text_of(page, "outbox-count") == "1"
    email = page.html.select_one("#outbox article.email")
    assert email["data-to"] == "manager@demo-shop.test"
    assert email.select_one(".email-subject").get_text(strip=True) == (
        "FAILURE during the call to your IPN URL [unsuccessful attempt #last]"
    )
    page = page.forms[0].submit().follow()
    assert text_of(page, "outbox-count") == "0"
    assert platform.outbox() == []


def test_unknown_pages_are_404(sp) -> None:
    testapp, _platform = sp
    testapp.get(BO + "/transactions/nope", status=404)
    testapp.get(PREFIX + "/vads-payment/session/nope", status=404)
    testapp.get(BO + "/keys?site_id=99999999", status=404)


def test_shop_form_with_non_ascii_digits_is_not_a_500(sp) -> None:
    testapp, platform = sp
    before = platform.get_shop().capture_delay
    shop_form = testapp.get(BO + "/").forms["shop-form"]
    shop_form["capture_delay"] = "²"
    page = shop_form.submit()
    assert text_of(page, "action-result") == "Shop configuration saved."
    assert platform.get_shop().capture_delay == before
