"""Operator alerts by e-mail (pyramid_mailer), e.g. an Ecwid update given up on.

``mail.*`` settings configure the SMTP mailer; ``mail.debug_directory`` switches
to pyramid_mailer's DebugMailer, which writes each message to a file (development).
"""

from __future__ import annotations

import logging
from typing import Any

from pyramid_mailer.mailer import DebugMailer, Mailer
from pyramid_mailer.message import Message

log = logging.getLogger(__name__)


class Alerter:
    def __init__(self, mailer: Any, sender: str, recipients: tuple[str, ...]) -> None:
        self.mailer = mailer
        self.sender = sender
        self.recipients = recipients
        self.sent: list[Message] = []

    def send(self, subject: str, body: str) -> bool:
        """Send now (outside any transaction); never raises."""
        log.warning("alert: %s", subject)
        if not self.recipients:
            return False
        message = Message(subject=subject, sender=self.sender, recipients=list(self.recipients), body=body)
        try:
            self.mailer.send_immediately(message, fail_silently=False)
        except Exception:  # an alert must never break the worker
            log.exception("could not send the alert e-mail")
            return False
        self.sent.append(message)
        return True


def alerter_from_settings(settings: dict[str, Any], sender: str, recipients: tuple[str, ...]) -> Alerter:
    directory = settings.get("mail.debug_directory")
    mailer = DebugMailer(directory) if directory else Mailer.from_settings(settings)
    return Alerter(mailer, sender, recipients)


def includeme(config: Any) -> None:
    app_settings = config.registry["app_settings"]
    config.registry["alerter"] = alerter_from_settings(
        config.get_settings(), app_settings.alert_sender, app_settings.alert_recipients
    )
