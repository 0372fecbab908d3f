"""Views of the simulated Systempay platform: payment pages and a small Back Office.

Thin layer over :class:`~.platform.SystempayPlatform`; element ids are listed in
the package docstring.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response

from ...protocol.currencies import BY_NUMERIC
from ...protocol.languages import LANGUAGES
from ...protocol.signature import ALGORITHMS
from .cards import COLUMNS, EXTRA_CARDS, SCENARIOS, TEST_ROWS
from .checks import FormError
from .platform import (
    ABANDONED,
    CANCELLABLE,
    CHALLENGE,
    DONE,
    EXPIRED,
    OPEN,
    RULES,
    TO_VALIDATE,
    PaymentSession,
    SystempayPlatform,
    Transaction,
)
from .texts import format_amount, texts

TEMPLATES = "ecwid_systempay.sandbox:templates/"
P = "sandbox.systempay."  # route name prefix


def add_views(config: Any) -> None:
    """Routes and views of the platform (called by ``includeme``)."""
    routes = [
        ("payment", "/vads-payment/", payment_form, ("GET", "POST")),
        ("session", "/vads-payment/session/{sid}", session_page, ("GET",)),
        ("pay", "/vads-payment/session/{sid}/pay", pay, ("POST",)),
        ("cancel", "/vads-payment/session/{sid}/cancel", cancel, ("POST",)),
        ("challenge", "/vads-payment/session/{sid}/challenge", challenge, ("POST",)),
        ("bo", "/bo/", bo_home, ("GET", "POST")),
        ("bo_keys", "/bo/keys", bo_keys, ("GET",)),
        ("bo_generate", "/bo/keys/generate", bo_generate, ("POST",)),
        ("bo_algorithm", "/bo/keys/algorithm", bo_algorithm, ("POST",)),
        ("bo_rules", "/bo/rules", bo_rules, ("GET",)),
        ("bo_rule", "/bo/rules/{rule}", bo_rule, ("POST",)),
        ("bo_transactions", "/bo/transactions", bo_transactions, ("GET",)),
        ("bo_transaction", "/bo/transactions/{uuid}", bo_transaction, ("GET",)),
        ("bo_action", "/bo/transactions/{uuid}/{action}", bo_action, ("POST",)),
        ("bo_outbox", "/bo/outbox", bo_outbox, ("GET",)),
        ("bo_outbox_clear", "/bo/outbox/clear", bo_outbox_clear, ("POST",)),
    ]
    for name, pattern, view, methods in routes:
        config.add_route(P + name, pattern)
        config.add_view(view, route_name=P + name, request_method=methods)


# ---------------------------------------------------------------------- helpers


def _platform(request: Request) -> SystempayPlatform:
    return request.registry["sandbox.systempay"]


def _render(request: Request, template: str, status: int = 200, **values: Any) -> Response:
    values.setdefault("lang", "en")
    values.setdefault("bo", False)
    values.setdefault("head_refresh", None)
    values.setdefault("site_id", None)
    values["t"] = texts(values["lang"])
    values["css_url"] = request.static_url("ecwid_systempay.sandbox:static/systempay.css")
    values["js_url"] = request.static_url("ecwid_systempay.sandbox:static/systempay.js")
    values["route"] = lambda name, **kw: request.route_url(P + name, **kw)
    response = render_to_response(TEMPLATES + template, values, request=request)
    response.status_int = status
    response.headers["Cache-Control"] = "no-store"
    return response


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
    session = _platform(request).get_session(request.matchdict["sid"])
    if session is None:
        raise HTTPNotFound("unknown payment session")
    return session


def _session_url(request: Request, session: PaymentSession) -> str:
    return request.route_url(P + "session", sid=session.id)


def fmt_date(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y %H:%M:%S") if moment else ""


# ---------------------------------------------------------------------- payment


def payment_form(request: Request) -> Response:
    """The payment form posted by the shop: error page, or 303 to the payment session."""
    platform = _platform(request)
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
        return _render(
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
        _platform(request).set_language(session.id, request.GET["lang"])
    return _session_response(request, session)


def _session_response(request: Request, session: PaymentSession) -> Response:
    platform = _platform(request)
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
        return _render(
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
        return _render(request, "systempay_challenge.pt", card=session.card.masked, **common)
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
    return _render(
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
    _platform(request).pay(
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
    _platform(request).answer_challenge(session.id, action == "approve")
    return HTTPSeeOther(_session_url(request, session))


def cancel(request: Request) -> Response:
    """"Cancel and return to shop": ABANDONED notification, then back to the shop."""
    platform = _platform(request)
    session = platform.cancel(_session(request).id)
    if session.state != ABANDONED:  # expired meanwhile, or already paid: show the page
        return HTTPSeeOther(_session_url(request, session))
    target = platform.return_target(session, texts(session.language))
    if target is None:
        return HTTPSeeOther(_session_url(request, session))
    if target.method == "POST":
        return _render(request, "systempay_return.pt", lang=session.language, target=target)
    return HTTPSeeOther(target.url)


# ---------------------------------------------------------------------- Back Office


def _bo_site(request: Request) -> str:
    platform = _platform(request)
    site_id = request.params.get("site_id") or platform.default_site_id
    try:
        platform.get_shop(site_id)
    except KeyError:
        raise HTTPNotFound("unknown shop") from None
    return site_id


def _bo(request: Request, template: str, site_id: str, **values: Any) -> Response:
    platform = _platform(request)
    return _render(
        request,
        template,
        bo=True,
        site_id=site_id,
        shop=platform.get_shop(site_id),
        shops=platform.shops(),
        fmt_date=fmt_date,
        **values,
    )


def bo_home(request: Request) -> Response:
    """Back Office home: shop configuration."""
    platform = _platform(request)
    site_id = _bo_site(request)
    message = None
    if request.method == "POST":
        delay = request.POST.get("capture_delay", "").strip()
        validation = request.POST.get("validation_mode", "0")
        platform.configure_shop(
            site_id,
            name=request.POST.get("name", "").strip() or None,
            manager_email=request.POST.get("manager_email", ""),
            return_url=request.POST.get("return_url", "").strip() or None,
            validation_mode=validation if validation in ("0", "1") else None,
            capture_delay=min(int(delay), 365) if delay.isdigit() else None,
        )
        message = "Shop configuration saved."
    return _bo(request, "systempay_bo_home.pt", site_id, message=message)


def bo_keys(request: Request) -> Response:
    """Settings > Shop > Keys: keys, test table, production key generation."""
    platform = _platform(request)
    site_id = _bo_site(request)
    rows = platform.test_rows(site_id)
    return _bo(
        request,
        "systempay_bo_keys.pt",
        site_id,
        rows=rows,
        columns=COLUMNS,
        scenarios=SCENARIOS,
        complete=all(r.done for r in rows),
        algorithms=ALGORITHMS,
        message=request.GET.get("msg"),
    )


def bo_generate(request: Request) -> Response:
    platform = _platform(request)
    site_id = _bo_site(request)
    try:
        platform.generate_production_key(site_id)
        msg = "The production key has been generated."
    except RuntimeError:
        msg = "All the tests of the table must succeed before the production key can be generated."
    return HTTPSeeOther(request.route_url(P + "bo_keys", _query={"site_id": site_id, "msg": msg}))


def bo_algorithm(request: Request) -> Response:
    platform = _platform(request)
    site_id = _bo_site(request)
    algorithm = request.POST.get("algorithm", "")
    if algorithm not in ALGORITHMS:
        raise HTTPBadRequest("unknown algorithm")
    platform.set_algorithm(algorithm, site_id)
    msg = f"Signature algorithm set to {algorithm}."
    return HTTPSeeOther(request.route_url(P + "bo_keys", _query={"site_id": site_id, "msg": msg}))


def bo_rules(request: Request) -> Response:
    """Settings > Notification rules."""
    site_id = _bo_site(request)
    shop = _platform(request).get_shop(site_id)
    return _bo(
        request,
        "systempay_bo_rules.pt",
        site_id,
        rules=[shop.rules[key] for key in RULES],
        message=request.GET.get("msg"),
    )


def bo_rule(request: Request) -> Response:
    platform = _platform(request)
    site_id = _bo_site(request)
    rule = request.matchdict["rule"]
    if rule not in RULES:
        raise HTTPNotFound("unknown rule")
    post = request.POST
    platform.set_rule(
        rule,
        site_id=site_id,
        enabled="enabled" in post,
        url_test=post.get("url_test", "").strip(),
        url_production=post.get("url_production", "").strip(),
        emails=post.get("emails", "").replace(",", ";").split(";"),
        retry="retry" in post,
    )
    msg = f"Rule {platform.get_shop(site_id).rules[rule].name} saved."
    return HTTPSeeOther(request.route_url(P + "bo_rules", _query={"site_id": site_id, "msg": msg}))


def bo_transactions(request: Request) -> Response:
    """Transaction list (ABANDONED payments only with ``?all=1``: they are not created on the real platform)."""
    platform = _platform(request)
    site_id = _bo_site(request)
    show_all = request.GET.get("all") == "1"
    items = platform.transactions(site_id, include_abandoned=show_all)
    return _bo(
        request,
        "systempay_bo_transactions.pt",
        site_id,
        items=items,
        show_all=show_all,
        amount_of=_amount_of,
    )


def _amount_of(tx: Transaction) -> str:
    return format_amount(tx.amount, BY_NUMERIC[tx.currency], "en")


def _transaction(request: Request) -> Transaction:
    tx = _platform(request).get_transaction(request.matchdict["uuid"])
    if tx is None:
        raise HTTPNotFound("unknown transaction")
    return tx


def bo_transaction(request: Request) -> Response:
    """Transaction details with its history tab."""
    tx = _transaction(request)
    fields = tx.fields()
    return _bo(
        request,
        "systempay_bo_transaction.pt",
        tx.site_id,
        tx=tx,
        amount=_amount_of(tx),
        threeds=sorted((k, v) for k, v in fields.items() if k.startswith("vads_threeds_")),
        extras=sorted((k, v) for k, v in fields.items() if k.startswith("vads_ext_info_")),
        can_cancel=tx.status in CANCELLABLE,
        can_validate=tx.status in TO_VALIDATE,
        message=request.GET.get("msg"),
    )


def bo_action(request: Request) -> Response:
    """cancel / validate / resend on a transaction, then back to its page with the outcome."""
    platform = _platform(request)
    tx = _transaction(request)
    action = request.matchdict["action"]
    try:
        if action == "cancel":
            call = platform.bo_cancel(tx.uuid)
        elif action == "validate":
            call = platform.bo_validate(tx.uuid)
        elif action == "resend":
            call = platform.bo_resend(tx.uuid)
        else:
            raise HTTPNotFound("unknown action")
        msg = f"{action}: done. " + (call.info if call else "No notification (rule disabled).")
    except ValueError as exc:
        msg = f"{action}: refused ({exc})."
    return HTTPSeeOther(request.route_url(P + "bo_transaction", uuid=tx.uuid, _query={"msg": msg}))


def bo_outbox(request: Request) -> Response:
    """E-mails sent by the platform (in memory)."""
    platform = _platform(request)
    site_id = _bo_site(request)
    return _bo(request, "systempay_bo_outbox.pt", site_id, emails=list(reversed(platform.outbox())))


def bo_outbox_clear(request: Request) -> Response:
    _platform(request).clear_outbox()
    return HTTPSeeOther(request.route_url(P + "bo_outbox"))


__all__ = ["add_views"]
