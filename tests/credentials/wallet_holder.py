"""The reference holder: what a wallet app on a phone does, in Python, over HTTP only.

It keeps one device key per copy, receives SD-JWT VCs over OpenID4VCI (pre-authorized code with a
transaction code, or the authorization code with PKCE) and answers OpenID4VP requests by reference
with ``direct_post``. It uses nothing of the server but its public URLs, and the SD-JWT holder
functions of ``credentials.openid.sdjwt`` (the npm holders in tests/interop do the same with code no one
here wrote)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from joserfc import jws
from joserfc.jwk import ECKey

from credentials.openid import sdjwt
from credentials.openid.oid4vci import PRE_AUTHORIZED_GRANT, PROOF_TYPE


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Copy:
    token: str
    key: ECKey

    @property
    def claims(self) -> dict:
        payload = self.token.split("~")[0].split(".")[1]
        return json.loads(sdjwt.b64url_decode(payload))


@dataclass
class ReferenceHolder:
    http: object  # a Django test client (or anything with .get/.post of the same shape)
    base: str = "http://testserver"
    copies: list[Copy] = field(default_factory=list)

    # --- OpenID4VCI ----------------------------------------------------------------------------

    def metadata(self) -> dict:
        return self.http.get("/.well-known/openid-credential-issuer").json()

    def redeem_offer(self, offer_uri: str, tx_code: str):
        offer = json.loads(unquote(offer_uri.split("credential_offer=", 1)[1]))
        grant = offer["grants"][PRE_AUTHORIZED_GRANT]
        answer = self.http.post("/oid4vci/token", {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": grant["pre-authorized_code"],
                                                   "tx_code": tx_code})
        return offer, answer

    def proofs(self, count: int, *, nonce: str | None = None, audience: str | None = None) -> tuple[list[str], list[ECKey]]:
        nonce = nonce if nonce is not None else self.http.post("/oid4vci/nonce").json()["c_nonce"]
        keys = [ECKey.generate_key("P-256") for _ in range(count)]
        proofs = [jws.serialize_compact({"alg": "ES256", "typ": PROOF_TYPE, "jwk": key.as_dict(private=False)},
                                        json.dumps({"aud": audience or self.base, "iat": int(time.time()), "nonce": nonce}), key)
                  for key in keys]
        return proofs, keys

    def fetch(self, access_token: str, configuration_id: str, *, count: int = 1, proofs=None, keys=None):
        if proofs is None:
            proofs, keys = self.proofs(count)
        answer = self.http.post("/oid4vci/credential", json.dumps({"credential_configuration_id": configuration_id, "proofs": {"jwt": proofs}}),
                                content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {access_token}")
        if answer.status_code == 200:
            self.copies += [Copy(item["credential"], key) for item, key in zip(answer.json()["credentials"], keys, strict=True)]
        return answer

    def receive(self, offer_uri: str, tx_code: str, *, count: int = 2) -> list[Copy]:
        offer, token = self.redeem_offer(offer_uri, tx_code)
        assert token.status_code == 200, token.content
        before = len(self.copies)
        answer = self.fetch(token.json()["access_token"], offer["credential_configuration_ids"][0], count=count)
        assert answer.status_code == 200, answer.content
        return self.copies[before:]

    @staticmethod
    def pkce() -> tuple[str, str]:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        return verifier, challenge

    # --- OpenID4VP -----------------------------------------------------------------------------

    def request(self, wallet_uri: str) -> dict:
        """Fetch the request object by reference and check its signature against the published keys."""
        query = parse_qs(urlsplit(wallet_uri).query)
        signed = self.http.get(_path(query["request_uri"][0]))
        assert signed.status_code == 200 and signed["Content-Type"] == "application/oauth-authz-req+jwt", signed.content
        token = signed.content.decode()
        header = jws.extract_compact(token.encode()).headers()
        assert header["typ"] == "oauth-authz-req+jwt"
        keys = {item["kid"]: ECKey.import_key(item) for item in self.http.get("/.well-known/jwks.json").json()["keys"]}
        claims = json.loads(jws.deserialize_compact(token, keys[header["kid"]], algorithms=["ES256"]).payload)
        assert claims["client_id"] == query["client_id"][0]
        return claims

    def presentation(self, request: dict, *, copy: Copy | None = None, names=None, nonce=None, audience=None) -> str:
        copy = copy or self.copies[0]
        asked = [claim["path"][0] for claim in request["dcql_query"]["credentials"][0]["claims"]]
        return sdjwt.present(copy.token, asked if names is None else names, holder_key=copy.key,
                             nonce=request["nonce"] if nonce is None else nonce, audience=request["client_id"] if audience is None else audience)

    def respond(self, request: dict, presentation: str, *, state: str | None = None):
        return self.http.post(_path(request["response_uri"]), {"vp_token": json.dumps({"credential": [presentation]}),
                                                                "state": request["state"] if state is None else state})

    def answer(self, wallet_uri: str, **options):
        request = self.request(wallet_uri)
        return self.respond(request, self.presentation(request, **options))
