"""Simulated Systempay: payment scenarios, 3-D Secure, expiry, cancellation, return to shop."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from .systempay_support import (  # noqa: F401 - fixtures
    KEY_TEST,
    assert_signed,
    form,
    ipn_fixture,
    pay,
    post_form,
    sp_fixture,
    text_of,
)

REQUEST_ECHO = (
    "vads_site_id", "vads_ctx_mode", "vads_trans_id", "vads_trans_date", "vads_amount", "vads_currency",
    "vads_order_id", "vads_cust_email", "vads_ext_info_store", "vads_page_action", "vads_action_mode",
    "vads_payment_config", "vads_version", "vads_contrib", "vads_language", "vads_url_return",
)


def test_accepted_payment_notifies_then_shows_result(sp, ipn) -> None:
    testapp, platform = sp
    fields = form(platform)
    result = pay(testapp, post_form(testapp, fields), "4970100000000014")
    assert result.html.find(id="result")["data-status"] == "AUTHORISED"
    assert text_of(result, "result-title") == "Payment accepted"
    calls = ipn.calls()  # the first call is made before the result page
    assert len(calls) == 1
    call = calls[0]
    assert call.path == "/callback?app-name=systempay"
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    ipn_fields = call.fields
    assert_signed(ipn_fields)
    for name in REQUEST_ECHO:
        assert ipn_fields[name] == fields[name], name
    assert ipn_fields["vads_trans_status"] == "AUTHORISED"
    assert ipn_fields["vads_result"] == "00"
    assert ipn_fields["vads_extra_result"] == ""
    assert ipn_fields["vads_auth_result"] == "00"
    assert ipn_fields["vads_operation_type"] == "DEBIT"
    assert ipn_fields["vads_url_check_src"] == "PAY"
    assert re.fullmatch(r"[0-9a-f]{32}", ipn_fields["vads_trans_uuid"])
    assert re.fullmatch(r"[0-9a-f]{64}", ipn_fields["vads_hash"])
    assert ipn_fields["vads_card_brand"] == "CB"
    assert ipn_fields["vads_card_number"] == "497010XXXXXX0014"
    assert ipn_fields["vads_expiry_month"] == "12"
    assert re.fullmatch(r"\d{4}", ipn_fields["vads_expiry_year"])
    assert ipn_fields["vads_effective_amount"] == "1230"
    assert ipn_fields["vads_threeds_status"] == "Y"
    assert ipn_fields["vads_warranty_result"] == "YES"
    assert "4970100000000014" not in call.pairs.__repr__()
    # The transaction and its history.
    tx = platform.find_transactions(trans_id=fields["vads_trans_id"])[0]
    assert tx.uuid == ipn_fields["vads_trans_uuid"]
    assert [c.source for c in tx.calls] == ["PAY"]
    assert tx.calls[0].success and tx.calls[0].http_status == 200
    assert tx.calls[0].info.startswith("SENT, rule=URL de notification à la fin du paiement, duration=~")
    assert tx.calls[0].info.endswith("response=OK-Accepted payment, order has been updated.\n")


def test_return_to_shop_get_carries_signed_fields(sp, ipn) -> None:
    testapp, platform = sp
    result = pay(testapp, post_form(testapp, form(platform)), "4970100000000055")
    link = result.html.find(id="return-to-shop")["href"]
    parts = urlsplit(link)
    assert parts.netloc == "shop.test" and parts.path == "/return/abc"
    data = dict(parse_qsl(parts.query, keep_blank_values=True))
    assert data.pop("app-name") == "systempay"
    assert "vads_hash" not in data and "vads_url_check_src" not in data
    assert_signed(data)
    ipn_fields = ipn.calls()[0].fields
    expected = {k: v for k, v in ipn_fields.items() if k not in ("vads_hash", "vads_url_check_src", "signature")}
    assert {k: v for k, v in data.items() if k != "signature"} == expected
    assert data["vads_warranty_result"] == "NO"


def test_return_modes_post_and_none_and_success_url(sp, ipn) -> None:
    testapp, platform = sp
    fields = form(platform, vads_return_mode="POST", vads_url_success="http://shop.test/ok")
    result = pay(testapp, post_form(testapp, fields), "4970100000000014")
    return_form = result.forms["return-form"]
    assert return_form.action == "http://shop.test/ok"
    assert return_form.method.upper() == "POST"
    posted = {k: f[0].value for k, f in return_form.fields.items() if k and k.startswith(("vads_", "signature"))}
    assert_signed(posted)
    fields = form(platform, vads_return_mode=None)
    result = pay(testapp, post_form(testapp, fields), "4970100000000014")
    assert result.html.find(id="return-to-shop")["href"] == fields["vads_url_return"]
    fields = form(platform, vads_return_mode="NONE", vads_url_refused="http://shop.test/ko")
    result = pay(testapp, post_form(testapp, fields), "4970100000000071")
    assert result.html.find(id="return-to-shop")["href"] == "http://shop.test/ko"


def test_automatic_redirection_when_asked(sp, ipn) -> None:
    testapp, platform = sp
    fields = form(
        platform,
        vads_redirect_success_timeout="5",
        vads_redirect_success_message="Back to the shop soon",
        vads_redirect_error_timeout="0",
    )
    result = pay(testapp, post_form(testapp, fields), "4970100000000014")
    auto = result.html.find(id="auto-redirect")
    assert auto["data-timeout"] == "5"
    assert auto.get_text(strip=True) == "Back to the shop soon"
    refresh = result.html.find("meta", attrs={"http-equiv": "refresh"})
    assert refresh["content"].startswith("5;url=http://shop.test/return/abc?")
    refused = pay(testapp, post_form(testapp, form(platform, vads_redirect_error_timeout="3")), "4970100000000063")
    assert refused.html.find(id="auto-redirect")["data-timeout"] == "3"
    assert refused.html.find(id="auto-redirect").get_text(strip=True) == "Redirection to the shop in a few moments"
    plain = pay(testapp, post_form(testapp, form(platform)), "4970100000000014")
    assert plain.html.find(id="auto-redirect") is None
    assert plain.html.find("meta", attrs={"http-equiv": "refresh"}) is None


def test_refused_3ds_failure_and_limit_exceeded(sp, ipn) -> None:
    testapp, platform = sp
    result = pay(testapp, post_form(testapp, form(platform)), "5970100300000075")
    assert result.html.find(id="result")["data-status"] == "REFUSED"
    assert text_of(result, "result-title") == "Payment refused"
    result = pay(testapp, post_form(testapp, form(platform)), "4917480000000073")
    assert result.html.find(id="result")["data-status"] == "REFUSED"
    first, second = (c.fields for c in ipn.calls())
    assert first["vads_trans_status"] == "REFUSED" and first["vads_result"] == "05"
    assert first["vads_threeds_status"] == "N"
    assert first["vads_card_brand"] == "MASTERCARD"
    assert second["vads_result"] == "05" and second["vads_auth_result"] == "61"
    assert second["vads_card_brand"] == "VISA_ELECTRON"
    for fields in (first, second):
        assert_signed(fields)


def test_challenge_approved_or_failed(sp, ipn) -> None:
    testapp, platform = sp
    page = pay(testapp, post_form(testapp, form(platform)), "4970115000000228")
    assert page.html.find(id="challenge-page") is not None
    assert ipn.calls() == []
    result = page.forms["challenge-form"].submit("action", value="approve").follow()
    assert result.html.find(id="result")["data-status"] == "AUTHORISED"
    approved = ipn.calls()[-1].fields
    assert approved["vads_threeds_auth_type"] == "CHALLENGE"
    assert approved["vads_threeds_status"] == "Y"
    assert approved["vads_warranty_result"] == "YES"
    page = pay(testapp, post_form(testapp, form(platform)), "5100010000000106")
    result = page.forms["challenge-form"].submit("action", value="fail").follow()
    assert result.html.find(id="result")["data-status"] == "REFUSED"
    failed = ipn.calls()[-1].fields
    assert failed["vads_threeds_status"] == "N"
    assert failed["vads_result"] == "05"


def test_frictionless_card_is_accepted_without_challenge(sp, ipn) -> None:
    testapp, platform = sp
    result = pay(testapp, post_form(testapp, form(platform)), "4970115000000210")
    assert result.html.find(id="result")["data-status"] == "AUTHORISED"
    fields = ipn.calls()[0].fields
    assert fields["vads_threeds_auth_type"] == "FRICTIONLESS"
    assert fields["vads_threeds_mpi"] == "0"
    assert fields["vads_warranty_result"] == "YES"  # issuer's decision keeps the guarantee


def test_threeds_frictionless_request_below_30_eur_is_honoured(sp, ipn) -> None:
    testapp, platform = sp
    page = post_form(testapp, form(platform, vads_threeds_mpi="2", vads_amount="2999"))
    assert "sent to the issuer" in text_of(page, "threeds-info")
    result = pay(testapp, page, "4970115000000228")  # challenge card: no challenge
    assert result.html.find(id="result")["data-status"] == "AUTHORISED"
    fields = ipn.calls()[0].fields
    assert fields["vads_threeds_mpi"] == "2"
    assert fields["vads_threeds_auth_type"] == "FRICTIONLESS"
    assert fields["vads_warranty_result"] == "NO"  # merchant-requested frictionless: no guarantee
    assert_signed(fields)


def test_threeds_frictionless_request_at_30_eur_is_ignored(sp, ipn) -> None:
    testapp, platform = sp
    page = post_form(testapp, form(platform, vads_threeds_mpi="2", vads_amount="3000"))
    assert "ignored" in text_of(page, "threeds-info")
    challenge = pay(testapp, page, "4970115000000228")
    assert challenge.html.find(id="challenge-page") is not None
    challenge.forms["challenge-form"].submit("action", value="approve").follow()
    fields = ipn.calls()[0].fields
    assert fields["vads_threeds_mpi"] == "0"
    assert fields["vads_threeds_auth_type"] == "CHALLENGE"
    result = pay(testapp, post_form(testapp, form(platform, vads_threeds_mpi="2", vads_amount="5000")),
                 "4970115000000210")
    assert result.html.find(id="result")["data-status"] == "AUTHORISED"
    fields = ipn.calls()[1].fields
    assert fields["vads_threeds_mpi"] == "0" and fields["vads_warranty_result"] == "YES"


def test_threeds_frictionless_request_other_currency_is_honoured(sp, ipn) -> None:
    testapp, platform = sp
    page = post_form(testapp, form(platform, vads_threeds_mpi="2", vads_amount="50000", vads_currency="840"))
    result = pay(testapp, page, "4970115000000228")
    assert result.html.find(id="result")["data-status"] == "AUTHORISED"
    assert ipn.calls()[0].fields["vads_threeds_mpi"] == "2"


def test_challenge_requested_by_the_merchant(sp, ipn) -> None:
    testapp, platform = sp
    page = pay(testapp, post_form(testapp, form(platform, vads_threeds_mpi="3")), "4970115000000210")
    assert page.html.find(id="challenge-page") is not None


def test_manual_validation_and_long_capture_delay(sp, ipn) -> None:
    testapp, platform = sp
    result = pay(testapp, post_form(testapp, form(platform, vads_validation_mode="1")), "4970100000000014")
    assert result.html.find(id="result")["data-status"] == "AUTHORISED_TO_VALIDATE"
    assert ipn.calls()[0].fields["vads_trans_status"] == "AUTHORISED_TO_VALIDATE"
    result = pay(testapp, post_form(testapp, form(platform, vads_capture_delay="30")), "4970100000000014")
    assert result.html.find(id="result")["data-status"] == "WAITING_AUTHORISATION"
    assert ipn.calls()[1].fields["vads_auth_mode"] == "MARK"


def test_session_expiry_notifies_abandonment(sp, ipn) -> None:
    testapp, platform = sp
    fields = form(platform, vads_url_cancel="http://shop.test/cancelled")
    page = post_form(testapp, fields)
    later = platform.now() + timedelta(seconds=601)
    platform.clock = lambda: later
    form_ = page.forms["payment-form"]
    form_["card_number"] = "4970100000000014"
    expired = form_.submit().follow()
    assert expired.html.find(id="session-expired") is not None
    link = expired.html.find(id="return-to-shop")["href"]
    assert link.startswith("http://shop.test/cancelled?")
    calls = ipn.wait_for(1)
    assert len(calls) == 1
    abandoned = calls[0].fields
    assert abandoned["vads_trans_status"] == "ABANDONED"
    assert abandoned["vads_result"] == "17"
    assert abandoned["vads_payment_error"] == "149"
    assert abandoned["vads_url_check_src"] == "PAY"
    assert abandoned["vads_trans_id"] == fields["vads_trans_id"]
    assert_signed(abandoned)
    assert platform.transactions(include_abandoned=False) == []
    # Still expired, notified once.
    form_.submit().follow()
    assert len(ipn.calls()) == 1


def test_expiry_without_cancellation_rule_sends_nothing(sp, ipn) -> None:
    testapp, platform = sp
    platform.set_rule("cancellation", enabled=False)
    page = post_form(testapp, form(platform))
    later = platform.now() + timedelta(minutes=11)
    platform.clock = lambda: later
    assert testapp.get(page.request.path).html.find(id="session-expired") is not None
    assert platform.expire_sessions() == []
    assert ipn.calls() == []


def test_cancel_and_return_to_shop(sp, ipn) -> None:
    testapp, platform = sp
    fields = form(platform, vads_url_cancel="http://shop.test/cancelled")
    page = post_form(testapp, fields)
    response = page.forms["cancel-form"].submit()
    assert response.status_int == 303
    parts = urlsplit(response.location)
    assert parts.netloc == "shop.test" and parts.path == "/cancelled"
    data = dict(parse_qsl(parts.query, keep_blank_values=True))
    assert data["vads_trans_status"] == "ABANDONED" and data["vads_result"] == "17"
    assert_signed(data)
    calls = ipn.calls()
    assert len(calls) == 1
    assert calls[0].fields["vads_trans_status"] == "ABANDONED"
    assert "vads_payment_error" not in calls[0].fields
    tx = platform.find_transactions(trans_id=fields["vads_trans_id"])[0]
    assert tx.calls[0].rule_name == "URL de notification sur annulation"
    # Paying after cancelling is not possible; the trans id is used.
    form_ = page.forms["payment-form"]
    form_["card_number"] = "4970100000000014"
    assert form_.submit().follow().html.find(id="session-cancelled") is not None
    assert len(ipn.calls()) == 1


def test_cancel_with_post_return_mode_auto_posts(sp, ipn) -> None:
    testapp, platform = sp
    page = post_form(testapp, form(platform, vads_return_mode="POST"))
    response = page.forms["cancel-form"].submit()
    return_form = response.forms["return-form"]
    assert response.html.find(id="return-form")["data-autosubmit"] == "1"
    assert return_form.action == "http://shop.test/return/abc?app-name=systempay"
    assert return_form["vads_trans_status"].value == "ABANDONED"


def test_key_of_the_signature_follows_ctx_mode(sp, ipn) -> None:
    testapp, platform = sp
    key = platform.generate_production_key(force=True)
    fields = form(platform, key=key, vads_ctx_mode="PRODUCTION")
    result = pay(testapp, post_form(testapp, fields), "4970100000000014")
    assert result.html.find(id="result") is not None
    ipn_fields = ipn.calls()[0].fields
    assert_signed(ipn_fields, key=key)
    assert ipn_fields["signature"] != form(platform)["signature"]
    assert KEY_TEST != key
