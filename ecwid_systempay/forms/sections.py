"""The settings form's sections, as in the seed guide's settings table (section 5.3).

The schema stays flat (one setting, one field name); the form template
(``templates/deform/form.pt``) shows each section as a card, in this order, with the
fields not placed here (the hidden token) first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from translationstring import TranslationString

from ..i18n import admin_message as _


@dataclass(frozen=True)
class Section:
    key: str
    title: TranslationString
    fields: tuple[str, ...]
    note: TranslationString | None = None


SECTIONS: tuple[Section, ...] = (
    Section("platform", _("Access to the payment platform"), ("site_id", "key_test", "key_prod", "ctx_mode", "sign_algo")),
    Section("payment-page", _("Payment page"), ("default_language", "available_languages", "capture_delay", "validation_mode")),
    Section("threeds", _("Custom 3DS"), ("threeds_manage", "threeds_max_amount")),
    Section(
        "return",
        _("Return to shop"),
        (
            "redirect_enabled",
            "redirect_success_timeout",
            "redirect_success_message",
            "redirect_error_timeout",
            "redirect_error_message",
        ),
    ),
)


def layout(form: Any, sections: tuple[Section, ...] = SECTIONS) -> list[tuple[Section | None, list[Any]]]:
    """``(section, fields)`` in display order; ``(None, fields)`` first for the fields of no section."""
    by_name = {child.name: child for child in form.children}
    placed = {name for section in sections for name in section.fields}
    groups: list[tuple[Section | None, list[Any]]] = [
        (None, [child for child in form.children if child.name not in placed])
    ]
    for section in sections:
        children = [by_name[name] for name in section.fields if name in by_name]
        if children:
            groups.append((section, children))
    return groups
