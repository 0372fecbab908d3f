"""The buyer's pages: payment form, payment session (card, 3DS challenge, result), cancel."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from ....protocol.languages import LANGUAGES
from ..cards import COLUMNS, EXTRA_CARDS, SCENARIOS, TEST_ROWS
from ..checks import FormError
from ..sessions import ABANDONED, CHALLENGE, DONE, EXPIRED, OPEN, PaymentSession
from ..texts import format_amount, texts
from .common import P, platform_of, render


def _form_fields(request: Request) -> tuple[dict[str, str], str | None]:
    """The ``vads_*`` fields and the signature of the form; duplicates are a format error (99)."""
    params = request.POST if request.method == "POST" else request.GET
    fields: dict[str, str] = {}
    for name in params:
        values = params.getall(name)
        if len(values) > 1:
            raise FormError("99", f"{name} is sent more than once")
        if name.startswith("vads_"):
            fields[name] = values[0]
    return fields, params.get("signature")


def _session(request: Request) -> PaymentSession:
    session = platform_of(request).get_session(request.matchdict["sid"])
    if session is None:
        raise HTTPNotFound("unknown payment session")
    return session


def _session_url(request: Request, session: PaymentSession) -> str:
    return request.route_url(P + "session", sid=session.id)


def payment_form(request: Request) -> Response:
    """The payment form posted by the shop: error page, or 303 to the payment session."""
    platform = platform_of(request)
    fields: dict[str, str] = {}
    try:
        fields, signature = _form_fields(request)
        session = platform.open_session(fields, signature)
    except FormError as error:
        lang = fields.get("vads_language") if fields.get("vads_language") in LANGUAGES else "en"
        signed_string = None
        if error.code == "00" and fields.get("vads_ctx_mode") == "TEST":
            signed_string = platform.expected_signed_string(fields)
        back = fields.get("vads_url_error") or fields.get("vads_url_return") or ""
        if error.code == "00" or not back.startswith(("http://", "https://")):
            back = ""
        return render(
            request,
            "systempay_error.pt",
            lang=lang,
            error=error,
            signed_string=signed_string,
            back_url=back,
        )
    return HTTPSeeOther(_session_url(request, session))


def session_page(request: Request) -> Response:
    """The page of a payment session, according to its state."""
    session = _session(request)
    if "lang" in request.GET:
        platform_of(request).set_language(session.id, request.GET["lang"])
    return _session_response(request, session)


def _session_response(request: Request, session: PaymentSession) -> Response:
    platform = platform_of(request)
    lang = session.language
    t = texts(lang)
    shop = platform.get_shop(session.site_id)
    common = {
        "lang": lang,
        "session": session,
        "shop_name": session.fields.get("vads_shop_name") or shop.name,
        "amount": format_amount(session.amount, session.currency, lang),
        "order_id": session.fields.get("vads_order_id", ""),
        "trans_id": session.fields["vads_trans_id"],
        "session_url": _session_url(request, session),
    }
    if session.state == OPEN:
        plan_info = None
        if session.fields.get("vads_threeds_mpi") == "2":
            currency = session.currency
            honoured = currency.numeric != "978" or session.amount < 3000
            plan_info = f"{t['threeds_requested']}: {t['threeds_honoured'] if honoured else t['threeds_ignored']}"
        languages = session.available_languages or list(LANGUAGES)
        now = platform.now()
        years = [str(now.year + i) for i in range(8)]
        return render(
            request,
            "systempay_payment.pt",
            languages=[(code, LANGUAGES[code]) for code in languages],
            language_names=LANGUAGES,
            threeds_info=plan_info,
            error_text=t.get(session.error or "", None),
            expires_at=session.expires_at(platform.session_timeout),
            rows=[(row, SCENARIOS[scenario], cards) for row, (scenario, cards) in TEST_ROWS.items()],
            columns=COLUMNS,
            extra_cards=EXTRA_CARDS,
            scenarios=SCENARIOS,
            years=years,
            default_year=str(now.year + 3),
            **common,
        )
    if session.state == CHALLENGE:
        assert session.card is not None
        return render(request, "systempay_challenge.pt", card=session.card.masked, **common)
    tx = platform.session_transaction(session)
    target = platform.return_target(session, t)
    head_refresh = None
    if target is not None and target.timeout is not None and target.method == "GET":
        head_refresh = f"{target.timeout};url={target.url}"
    if session.state == DONE:
        assert tx is not None
        status = tx.status
        if tx.result_fields.get("vads_result") == "00":
            title = t["to_validate_title"] if status.endswith("_TO_VALIDATE") else t["accepted_title"]
        else:
            title = t["refused_title"]
        page = "result"
    elif session.state == EXPIRED:
        title, page = t["expired_title"], "session-expired"
    else:
        title, page = t["cancelled_title"], "session-cancelled"
    return render(
        request,
        "systempay_result.pt",
        page=page,
        title=title,
        tx=tx,
        target=target,
        head_refresh=head_refresh,
        **common,
    )


def pay(request: Request) -> Response:
    """Card submitted: then the challenge, the result, the expiry page, or the form again with an error."""
    session = _session(request)
    platform_of(request).pay(
        session.id,
        request.POST.get("card_number", ""),
        request.POST.get("expiry_month", ""),
        request.POST.get("expiry_year", ""),
    )
    return HTTPSeeOther(_session_url(request, session))


def challenge(request: Request) -> Response:
    """The buyer's answer to the 3DS challenge."""
    session = _session(request)
    action = request.POST.get("action")
    if action not in ("approve", "fail"):
        raise HTTPBadRequest("action must be approve or fail")
    platform_of(request).answer_challenge(session.id, action == "approve")
    return HTTPSeeOther(_session_url(request, session))


def cancel(request: Request) -> Response:
    """"Cancel and return to shop": ABANDONED notification, then back to the shop."""
    platform = platform_of(request)
    session = platform.cancel(_session(request).id)
    if session.state != ABANDONED:  # expired meanwhile, or already paid: show the page
        return HTTPSeeOther(_session_url(request, session))
    target = platform.return_target(session, texts(session.language))
    if target is None:
        return HTTPSeeOther(_session_url(request, session))
    if target.method == "POST":
        return render(request, "systempay_return.pt", lang=session.language, target=target)
    return HTTPSeeOther(target.url)
