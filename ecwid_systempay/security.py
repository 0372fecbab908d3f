"""Who may change a store's settings: the holder of a signed, short-lived, store-bound token.

The settings page lives in the Ecwid admin iframe, where third-party cookies are
blocked, so the token travels in the form itself (field ``settings_token``) or in
the ``X-Settings-Token`` header. It is sealed with the deployment's Fernet keys
(authenticated and timestamped) when the page is rendered from Ecwid's encrypted
payload, and doubles as the CSRF token of the form.
"""

from __future__ import annotations

from typing import Any

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.request import RequestLocalCache

from .resources import store_principal

TOKEN_FIELD = "settings_token"
TOKEN_HEADER = "X-Settings-Token"
PURPOSE = "settings"
#: The settings form is a few KB: a larger form body is refused before it is parsed.
FORM_MAX_BYTES = 64 * 1024


def issue_settings_token(
    request: Any, brand: str, ecwid_store_id: int, lang: str | None = None, issued_at: int | None = None
) -> str:
    """A token for this store's pages; ``lang`` keeps the language of the page that was opened.

    A token issued while answering a request that carried one (a save, a refused form,
    the history pages) is dated like that first token: going on never extends the
    session opened from Ecwid's payload. ``issued_at`` forces a date.
    """
    data: dict[str, Any] = {"p": PURPOSE, "b": brand, "s": int(ecwid_store_id)}
    if lang:
        data["l"] = lang
    if issued_at is None:
        identity = request.identity
        if identity and identity.get("b") == brand and identity.get("s") == int(ecwid_store_id):
            issued_at = identity.get("iat")
    return request.secret_box.seal(data, issued_at=issued_at)


def read_settings_token(request: Any, token: str | None) -> dict[str, Any] | None:
    """The token's data, with ``iat`` (when the page was first opened), or None."""
    if not token or len(token) > 2048:
        return None
    data = request.secret_box.unseal(token, request.app_settings.settings_token_max_age)
    if not data or data.get("p") != PURPOSE:
        return None
    data["iat"] = request.secret_box.issued_at(token)
    return data


class SettingsTokenSecurityPolicy:
    """Identity = the store named by a valid settings token; ACLs do the rest."""

    def __init__(self) -> None:
        self.cache = RequestLocalCache(self._load_identity)
        self.acl = ACLHelper()

    def _load_identity(self, request: Any) -> dict[str, Any] | None:
        """Only asked by views that need a permission: the body is parsed there and nowhere else."""
        token = request.headers.get(TOKEN_HEADER)
        if (
            token is None
            and request.method == "POST"
            and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            and 0 < (request.content_length or 0) <= FORM_MAX_BYTES
        ):
            token = request.POST.get(TOKEN_FIELD)
        return read_settings_token(request, token)

    def identity(self, request: Any) -> dict[str, Any] | None:
        return self.cache.get_or_create(request)

    def authenticated_userid(self, request: Any) -> str | None:
        identity = self.identity(request)
        return store_principal(identity["b"], identity["s"]) if identity else None

    def permits(self, request: Any, context: Any, permission: str) -> Any:
        principals = [Everyone]
        userid = self.authenticated_userid(request)
        if userid:
            principals += [Authenticated, userid]
        return self.acl.permits(context, principals, permission)

    def remember(self, request: Any, userid: Any, **kw: Any) -> list[Any]:
        return []

    def forget(self, request: Any, **kw: Any) -> list[Any]:
        return []


def includeme(config: Any) -> None:
    # pyramid_tm would ask every request for its identity to annotate the transaction,
    # which parses every form body; the identity is read only where a permission is checked.
    config.registry.settings["tm.annotate_user"] = False
    config.set_security_policy(SettingsTokenSecurityPolicy())
