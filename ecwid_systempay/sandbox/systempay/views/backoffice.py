"""The merchant's Back Office pages: shop, keys and test table, rules, transactions, outbox."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from ....protocol.currencies import BY_NUMERIC
from ....protocol.signature import ALGORITHMS
from ..backoffice import CANCELLABLE, TO_VALIDATE
from ..cards import COLUMNS, SCENARIOS
from ..shops import RULES
from ..state import Transaction
from ..texts import format_amount
from .common import P, fmt_date, platform_of, render


def _bo_site(request: Request) -> str:
    platform = platform_of(request)
    site_id = request.params.get("site_id") or platform.default_site_id
    try:
        platform.get_shop(site_id)
    except KeyError:
        raise HTTPNotFound("unknown shop") from None
    return site_id


def _bo(request: Request, template: str, site_id: str, **values: Any) -> Response:
    platform = platform_of(request)
    return render(
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
    platform = platform_of(request)
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
            capture_delay=min(int(delay), 365) if delay.isascii() and delay.isdigit() else None,
        )
        message = "Shop configuration saved."
    return _bo(request, "systempay_bo_home.pt", site_id, message=message)


def bo_keys(request: Request) -> Response:
    """Settings > Shop > Keys: keys, test table, production key generation."""
    platform = platform_of(request)
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
    platform = platform_of(request)
    site_id = _bo_site(request)
    try:
        platform.generate_production_key(site_id)
        msg = "The production key has been generated."
    except RuntimeError:
        msg = "All the tests of the table must succeed before the production key can be generated."
    return HTTPSeeOther(request.route_url(P + "bo_keys", _query={"site_id": site_id, "msg": msg}))


def bo_algorithm(request: Request) -> Response:
    platform = platform_of(request)
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
    shop = platform_of(request).get_shop(site_id)
    return _bo(
        request,
        "systempay_bo_rules.pt",
        site_id,
        rules=[shop.rules[key] for key in RULES],
        message=request.GET.get("msg"),
    )


def bo_rule(request: Request) -> Response:
    platform = platform_of(request)
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
    platform = platform_of(request)
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
    tx = platform_of(request).get_transaction(request.matchdict["uuid"])
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
    platform = platform_of(request)
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
    platform = platform_of(request)
    site_id = _bo_site(request)
    return _bo(request, "systempay_bo_outbox.pt", site_id, emails=list(reversed(platform.outbox())))


def bo_outbox_clear(request: Request) -> Response:
    platform_of(request).clear_outbox()
    return HTTPSeeOther(request.route_url(P + "bo_outbox"))
