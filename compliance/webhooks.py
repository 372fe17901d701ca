"""A JSON body out to a webhook: signed with HMAC-SHA256 under a shared secret, POSTed under the
fetching rules (`capture.fetch.deliver`: http(s) only, vetted address, bounded time).

    X-Compliance-Signature: sha256=<hex HMAC-SHA256 of the body>

The receiver recomputes it (`verify`): a body changed on the way, or signed with another secret,
does not verify. The API's check jobs and the scans' alert digests both call back this way.
"""

from __future__ import annotations

import hashlib
import hmac

from compliance.settings import Settings

SIGNATURE_HEADER = "X-Compliance-Signature"


def sign(body: bytes, secret: str) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """Whether `signature` is the one `secret` gives `body` (compared in constant time)."""
    return hmac.compare_digest(sign(body, secret), signature.strip())


def post_signed(url: str, body: bytes, secret: str, settings: Settings) -> int:
    """POST the JSON `body` to `url`, signed with `secret`; the 2xx status (FetchError otherwise)."""
    from compliance.capture.fetch import deliver  # the fetching stack loads only when needed

    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}
    return deliver(url, body, headers, settings)
