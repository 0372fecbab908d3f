"""``POST /callback?app-name=systempay``: the gateway's notification (IPN).

Never redirects, POST only, no CSRF token (it is authenticated by its signature).
Answers 200 with an ``OK-``/``KO-`` line for anything processed or deliberately
ignored (one body for every refusal before the signature is known good), 400
for a malformed request or one without ``vads_hash`` and ``vads_url_check_src``,
503 (so the gateway retries) when the database is down or the state change failed.

One transaction (the request's, committed by ``pyramid_tm`` before the answer
leaves) holds the verified notification and its state change
(:func:`~ecwid_systempay.services.ipn.process_notification`); when the state change
fails, that transaction is rolled back and a new one stores the notification alone,
so a failure never takes the stored notification with it.
"""

from __future__ import annotations

import logging
from typing import Any

from pyramid.response import Response

from ..protocol.notification import MAX_BODY_BYTES, MalformedNotification, parse_body
from ..protocol.responses import ipn_body
from ..resources import Root
from ..services.ipn import StateChangeFailed, process_notification, store_unprocessed
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

    try:
        processed = process_notification(
            request.dbsession, note, brand=brand, box=request.secret_box, app_settings=request.app_settings
        )
    except StateChangeFailed as failed:
        # Roll the state change back, then keep the notification alone: it is committed
        # with this answer, and the gateway's retry applies it.
        log.exception("notification of trans=%s/%s stored but not applied: the gateway will retry", note.site_id, note.trans_id)
        request.tm.abort()
        request.tm.begin()
        store_unprocessed(request.dbsession, failed.values)
        return text_response(ipn_body("retry_later"), 503)
    if processed.failed:
        return text_response(ipn_body("retry_later"), 503)
    if processed.changed:
        wake_worker(request)
    return text_response(ipn_body(processed.case))


def includeme(config: Any) -> None:
    config.add_view(callback, context=Root, name="callback")
