"""The vocabulary OpenID4VCI's endpoints, use cases and reads share: its constants, its error (the
protocol's own shape, RFC 6749 §5.2), the party that calls without a session, and the grant an
access token carries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from credentials import signing

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
FORMAT = "dc+sd-jwt"
PROOF_TYPE = "openid4vci-proof+jwt"
ACCESS_TOKEN_TYPE = "qilu-vci-at+jwt"
OFFER_TTL = 600
TOKEN_TTL = 300
NONCE_TTL = 300
CODE_TTL = 120
TX_ATTEMPTS = 5
BATCH = 5
COPY_DAYS = 90  # a copy on a device lives at most this long; the wallet fetches fresh ones
PROOF_MAX_AGE = 300
# What a browser on any origin may read of a public document (metadata, keys, type metadata, status
# lists): the one definition the protocol views' ``public_document`` and the JWKS endpoint both send.
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, OPTIONS", "Access-Control-Max-Age": "86400"}


class OAuthError(Exception):
    """An error the OAuth and OpenID4VCI endpoints answer in their own format (RFC 6749 §5.2): the
    protocol's error code and a description. Which HTTP status each code travels with is the protocol
    views' business (``credentials.openid.views``)."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error, self.description = error, description


@dataclass(frozen=True)
class WalletApp:
    """The acting party at the protocol endpoints a wallet app calls without a session (the token
    endpoint, OpenID4VP's ``direct_post``): known only by what it says of itself (its ``client_id``
    or its User-Agent), so it may do nothing a permission guards."""

    description: str = ""
    address: str = ""  # the client's address (``request.client_ip``): anonymous creations are counted by it
    pk = None
    is_authenticated = False

    def __post_init__(self):
        object.__setattr__(self, "description", (self.description or "")[:64])

    def has_perm(self, perm: str) -> bool:
        return False


@dataclass
class Grant:
    user_id: int
    credentials: list[str]  # identifiers the token may fetch
    token_id: str = ""  # the access token's jti, once issued: copies are counted per token

    def access_token(self) -> str:
        token, _claims = signing.sign({"sub": str(self.user_id), "cred": self.credentials, "jti": uuid.uuid4().hex},
                                      kind=ACCESS_TOKEN_TYPE, ttl=TOKEN_TTL,
                                      purpose=signing.Purpose.ACCESS_TOKENS)
        return token

    def response(self) -> dict:
        return {"access_token": self.access_token(), "token_type": "Bearer", "expires_in": TOKEN_TTL}
