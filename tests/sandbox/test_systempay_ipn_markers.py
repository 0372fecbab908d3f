"""Every notification the simulated platform makes is one the module's /callback accepts as such.

The module refuses, on /callback, a message without ``vads_hash`` or
``vads_url_check_src`` (that is return data): each kind the platform sends (end of
payment, automatic retry, cancellation, Back Office validate / cancel / re-send)
must carry both, non-empty, and be signed.
"""

from __future__ import annotations

import re

from ecwid_systempay.protocol.notification import parse_pairs

from .systempay_support import (  # noqa: F401 - fixtures
    assert_signed,
    form,
    ipn_fixture,
    pay,
    post_form,
    sp_fixture,
)

FAIL = (500, "KO-down", {})


def test_every_kind_of_notification_carries_vads_hash_and_vads_url_check_src(sp, ipn) -> None:
    testapp, platform = sp
    platform.set_rule("cancellation", enabled=True)
    ipn.script = [FAIL]
    fields = form(platform, vads_validation_mode="1")
    pay(testapp, post_form(testapp, fields), "4970100000000014")
    assert platform.wait_idle(timeout=5)
    [tx] = platform.find_transactions(trans_id=fields["vads_trans_id"])
    platform.bo_validate(tx.uuid)
    platform.bo_cancel(tx.uuid)
    platform.bo_resend(tx.uuid)
    abandoned = form(platform)
    post_form(testapp, abandoned).forms["cancel-form"].submit()
    assert platform.wait_idle(timeout=5)

    calls = ipn.calls()
    sources = [call.fields["vads_url_check_src"] for call in calls]
    assert sources == ["PAY", "RETRY", "MERCH_BO", "MERCH_BO", "BO", "PAY"], sources
    for call in calls:
        assert re.fullmatch(r"[0-9a-f]{64}", call.fields["vads_hash"]), call.fields
        assert_signed(call.fields)
        note = parse_pairs(list(call.fields.items()))
        assert note.is_ipn, call.fields
    assert calls[-1].fields["vads_trans_status"] == "ABANDONED"
