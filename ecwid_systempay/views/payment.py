"""``POST /payment``: Ecwid's payment URL. Decrypts the order, answers the signed form.

A refusal is a page in the buyer's language (with a way back to the shop when the
request was trustworthy) and rolls the transaction back: nothing is created. An
order already paid is sent to its return page, which leads back to the shop.
"""

from __future__ import annotations

import logging
from typing import Any

from pyramid.httpexceptions import HTTPMethodNotAllowed, HTTPSeeOther

from ..protocol.ecwid_crypto import InvalidPayload, decrypt_cbc, decrypt_gcm
from ..protocol.messages import message
from ..resources import Root
from ..services.checkout import AlreadyPaid, CheckoutError, start_checkout
from ..services.returns import with_error
from .pages import accept_language, buyer_localizer, buyer_page
from .redirect_page import redirect_response

log = logging.getLogger(__name__)


#: HTTP status of each refusal (the others are 422: understood, but not payable here).
STATUS = {
    "invalid_request": 400,
    "unverified_request": 403,
    "too_many_attempts": 429,
    "temporarily_unavailable": 503,
}


def decrypt_request(request: Any, client_secret: str) -> tuple[dict[str, Any], bool]:
    """The payload and whether it is authenticated: ``enc_data`` (GCM) wins over legacy ``data`` (CBC)."""
    enc_data = request.POST.get("enc_data")
    if enc_data:
        return decrypt_gcm(enc_data, client_secret), True
    data = request.POST.get("data")
    if data:
        return decrypt_cbc(data, client_secret), False
    raise InvalidPayload()


def payment(request: Any) -> Any:
    if request.method != "POST":
        raise HTTPMethodNotAllowed(headers={"Allow": "POST"})
    lang = accept_language(request)
    try:
        brand = request.app_settings.brand(request.GET.get("app-name"))
    except KeyError:
        return buyer_page(request, lang, "invalid_request", status=404)
    try:
        payload, authenticated = decrypt_request(request, brand.client_secret)
    except InvalidPayload:
        log.warning("payment request with an unreadable payload (%s)", brand.name)
        return buyer_page(request, lang, "invalid_request", status=400)
    try:
        result = start_checkout(
            request.dbsession,
            payload,
            authenticated=authenticated,
            brand=brand,
            app_settings=request.app_settings,
            box=request.secret_box,
            fallback_lang=lang,
        )
    except CheckoutError as exc:
        request.tm.doom()  # nothing of a refused checkout is kept (a trans id counted, say)
        lang = exc.lang or lang
        localizer = buyer_localizer(request, lang)
        back = with_error(exc.return_url, localizer.translate(message(exc.kind))) if exc.return_url else None
        response = buyer_page(request, lang, exc.kind, status=STATUS.get(exc.kind, 422), return_url=back)
        if exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(result, AlreadyPaid):
        return HTTPSeeOther(location=result.location)
    form = result
    localizer = buyer_localizer(request, form.buyer_lang)
    return redirect_response(
        request,
        lang=localizer.locale_name,
        action=form.action,
        fields=form.fields,
        title=localizer.translate(message("redirecting")),
        button=localizer.translate(message("continue")),
    )


def includeme(config: Any) -> None:
    config.add_view(payment, context=Root, name="payment")
