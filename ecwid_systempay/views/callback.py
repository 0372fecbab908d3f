"""``POST /callback?app-name=systempay``: the gateway's notification (IPN).

Never redirects, POST only, no CSRF token (it is authenticated by its signature).
Answers 200 with an ``OK-``/``KO-`` line for anything processed or deliberately
ignored (one body for every refusal before the signature is known good), 400
for a malformed request or one without ``vads_hash`` and ``vads_url_check_src``,
503 (so the gateway retries) when the database is down or the state change failed.

One transaction (the request's, committed by ``pyramid_tm`` before the answer
leaves): the verified notification is inserted, then applied inside a SAVEPOINT,
so that a failing state change never takes the stored notification with it.
"""

from __future__ import annotations

import logging
from typing import Any

from pyramid.response import Response

from ..protocol.notification import MAX_BODY_BYTES, MalformedNotification, parse_body
from ..protocol.responses import ipn_body
from ..resources import Root
from ..services.ipn import apply_notification, verify_and_store
from ..worker import wake_worker

log = logging.getLogger(__name__)


def text_response(body: str, status: int = 200, **headers: str) -> Response:
    response = Response(body=body.encode("utf-8"), status=status, content_type="text/plain", charset="utf-8")
    response.headers.update(headers)
    return response


def callback(request: Any) -> Response:
    if request.method != "POST":
        return text_response(ipn_body("bad_request"), 405, Allow="POST")
    try:
        brand = request.app_settings.brand(request.GET.get("app-name")).name
    except KeyError:
        return text_response(ipn_body("bad_request"), 400)
    if (request.content_length or 0) > MAX_BODY_BYTES:
        log.warning("notification refused: body of %s bytes", request.content_length)
        return text_response(ipn_body("too_large"), 400)
    body = request.body
    try:
        note = parse_body(body)
    except MalformedNotification as exc:
        log.warning("malformed notification refused: %s", exc)
        return text_response(ipn_body("bad_request"), 400)
    if not note.is_ipn:
        # Signed return data is not a notification: taking it here would make a broken
        # notification URL look like a working one.
        log.warning(
            "request to the notification URL without vads_hash or vads_url_check_src refused (trans=%s/%s)",
            note.site_id,
            note.trans_id,
        )
        return text_response(ipn_body("not_a_notification"), 400)

    dbsession = request.dbsession
    verified = verify_and_store(
        dbsession,
        note,
        brand=brand,
        kind="IPN",
        box=request.secret_box,
        app_settings=request.app_settings,
    )
    if verified.case:
        return text_response(ipn_body(verified.case))

    assert verified.attempt_id is not None and verified.notification_id is not None
    try:
        with dbsession.begin_nested():
            case, changed = apply_notification(
                dbsession,
                note,
                attempt_id=verified.attempt_id,
                notification_id=verified.notification_id,
                source=note.source,
                is_ipn=True,
                order=verified.order,
            )
    except Exception:
        # Only the state change is rolled back: the notification is committed with this answer.
        log.exception("notification %s stored but not applied: the gateway will retry", verified.notification_id)
        return text_response(ipn_body("retry_later"), 503)
    if changed:
        wake_worker(request)
    return text_response(ipn_body(case))


def includeme(config: Any) -> None:
    config.add_view(callback, context=Root, name="callback")
