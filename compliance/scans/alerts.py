"""A scan's new findings in, alerts out: an e-mail digest and a signed JSON webhook.

Only the findings found for the first time at or above `alert_min_severity` are alerted, one
digest per scan (none when there is nothing to say). The webhook body is the JSON digest
(`shapes.alert_digest`), POSTed through the safe fetcher (a private address only when allowed
by COMPLIANCE_FETCH_ALLOW_HOSTS), signed as `compliance.webhooks` signs. A failed delivery is
reported in the scan record, never raised: the findings are stored whatever happens to their alert.
"""

from __future__ import annotations

import json
import logging
import smtplib
import socket
from datetime import UTC, datetime
from email.message import EmailMessage

from compliance import shapes
from compliance.errors import ComplianceError
from compliance.records import Recorded, ScanReport, SeverityLevel
from compliance.settings import Settings
from compliance.webhooks import post_signed

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 30.0


def alerted(report: ScanReport, settings: Settings) -> list[tuple[str, Recorded]]:
    """The scan's new matches at or above the alert severity."""
    floor = SeverityLevel(settings.alert_min_severity).rank
    return [(url, r) for url, r in report.matches if r.judged.decision.severity.level.rank >= floor]


def send_alerts(report: ScanReport, settings: Settings) -> tuple[str, ...]:
    """Send the digest where the settings say; one line per target: where it went, or why not."""
    found = alerted(report, settings)
    if not found:
        return ()
    digest = shapes.alert_digest(report, found, settings.alert_min_severity, datetime.now(UTC))
    sent = []
    if settings.alert_webhook_url:
        sent.append(_attempt("webhook", lambda: _post(digest, settings)))
    if settings.smtp_host and settings.alert_email_to:
        sent.append(_attempt("e-mail", lambda: _mail(digest, found, settings)))
    return tuple(sent)


def _attempt(target: str, send: object) -> str:
    try:
        detail = send()  # type: ignore[operator]
    except (ComplianceError, OSError, smtplib.SMTPException) as exc:
        log.warning("alert by %s failed: %s", target, exc)
        return f"{target} failed: {exc}"
    return f"{target} sent: {detail}"


def _post(digest: dict[str, object], settings: Settings) -> str:
    body = json.dumps(digest, ensure_ascii=False, sort_keys=True).encode("utf-8")
    status = post_signed(settings.alert_webhook_url, body, settings.alert_webhook_secret, settings)
    return f"HTTP {status} from {settings.alert_webhook_url}"


def _mail(digest: dict[str, object], found: list[tuple[str, Recorded]], settings: Settings) -> str:
    message = EmailMessage()
    message["Subject"] = f"compliance: {len(found)} new finding(s) at or above {settings.alert_min_severity}"
    message["From"], message["To"] = settings.smtp_from, ", ".join(settings.alert_email_to)
    message.set_content(_digest_text(found))
    message.add_attachment(
        json.dumps(digest, ensure_ascii=False, indent=2).encode("utf-8"),
        maintype="application",
        subtype="json",
        filename="digest.json",
    )
    smtp_class = smtplib.SMTP_SSL if settings.smtp_security == "ssl" else smtplib.SMTP
    # The machine's own name for HELO: smtplib's default (getfqdn) is a reverse DNS lookup.
    local = socket.gethostname() or "localhost"
    with smtp_class(settings.smtp_host, settings.smtp_port, local, timeout=SMTP_TIMEOUT) as smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    return f"to {len(settings.alert_email_to)} recipient(s) through {settings.smtp_host}"


def _digest_text(found: list[tuple[str, Recorded]]) -> str:
    lines = []
    for url, kept in found:
        decision, article = kept.judged.decision, kept.judged.match.article
        lines.append(
            f"finding {kept.finding_id}  {decision.severity.level} {decision.severity.score}  "
            f"{decision.verdict}  coverage {decision.coverage:.0%}\n"
            f"  copy:    {url}\n  article: {article.url}"
        )
    return "New findings:\n\n" + "\n\n".join(lines) + "\n"
