"""IETF Token Status List (draft-ietf-oauth-status-list): where a verifier that is offline from our
database learns whether an SD-JWT VC copy is still valid. This module is the format — the values, the
bit layout and its ZLIB compression, reading one slot of a signed list — and changes nothing; giving a
copy its slot and marking a credential's copies changed are ``credentials.openid.slots``, building
and signing the published list ``credentials.openid.selectors.status_list_token``.

Each copy handed to a device takes one 2-bit slot (0 valid, 1 invalid, 2 suspended, 3 superseded by
a newer copy of a type held once) at a random free
index of the open list; the list is published as a signed JWT (``typ: statuslist+jwt``) at a stable
URL, built from the credentials' current state. Only slots that are not valid are read to build it
(revoked, suspended, or superseded by a re-push), so its cost follows the number of withdrawn
copies, not of copies issued. The signed token is cached under the list's version, which every
status change bumps after commit: a change is in the published list by the next fetch, and HTTP
caches may keep it for ``TTL`` seconds.
"""

from __future__ import annotations

import time
import zlib

from credentials import signing
from credentials.openid.sdjwt import SdJwtRejected, b64url_decode

VALID, INVALID, SUSPENDED = 0, 1, 2
# A newer copy of a type held once replaced it (换证). The draft registers 0x00–0x02 and reserves 0x03
# (and 0x0B–0x0F) as application-specific; with 2 bits per entry 0x03 is the only one that fits, and a
# verifier that does not know our meaning still reads "not VALID" and refuses the copy.
SUPERSEDED = 3
TYPE = "statuslist+jwt"
JSON_TYPE = "application/jose+json"  # the co-signed list: JWS JSON General Serialization (RFC 7515 §9.2)
TTL = 10  # seconds a consumer may cache a list before fetching again (also its HTTP max-age)
LIFETIME = 24 * 3600  # an offline verifier may rely on a list this long after it was signed


def encode(values: dict[int, int], *, size: int, bits: int = 2) -> bytes:
    """The list's bytes: entry ``i`` sits at bit ``i * bits`` counted from each byte's least
    significant bit, then the whole is compressed with DEFLATE in the ZLIB format."""
    raw = bytearray(size * bits // 8)
    for index, value in values.items():
        position = index * bits
        raw[position // 8] |= value << (position % 8)
    return zlib.compress(bytes(raw), 9)


def _slot(raw: bytes, index: int, bits: int) -> int:
    position = index * bits
    if not isinstance(index, int) or index < 0 or position // 8 >= len(raw):
        raise IndexError(index)
    return (raw[position // 8] >> (position % 8)) & ((1 << bits) - 1)


def decode(compressed: bytes, index: int, *, bits: int = 2) -> int:
    return _slot(zlib.decompress(compressed), index, bits)


def version_key(list_id: int) -> str:
    return f"statuslist:{list_id}:version"


_opened: dict[tuple, tuple[dict, bytes]] = {}  # (token, the keys that verified it) → (claims, raw bits): a verifier reads one list often
_OPENED_MAX = 64


def _open(signed: str, keys: dict) -> tuple[dict, bytes]:
    """The token's claims and inflated bits, verified by the signing service's own check (keys by
    ``kid``, the signatures of the algorithms this verifier accepts, ``typ``, ``exp``) the first time
    it is seen with those keys. ``signed`` is compact (ES256) or, with an SM2 co-signature, the JWS
    JSON General Serialization (``application/jose+json``)."""
    kids = sorted({item.header.get("kid") for item in signing.jws_parts(signed)[1]} & set(keys))
    used = {kid: signing.public_key(keys[kid]) for kid in kids}
    memo = (signed, signing.accepted(), tuple((kid, key.alg, key.point) for kid, key in used.items()))
    if memo not in _opened:
        claims = signing.verify_with(signed, kind=TYPE, keys=used)
        raw = zlib.decompress(b64url_decode(claims["status_list"]["lst"]))
        if len(_opened) >= _OPENED_MAX:
            _opened.pop(next(iter(_opened)))
        _opened[memo] = (claims, raw)
    return _opened[memo]


def read(signed: str, *, uri: str, index: int, keys: dict, now: float | None = None) -> int:
    """A verifier's reading of one slot from a status list token it fetched (or cached): the token
    must be signed by a key in ``keys``, be about ``uri``, and not have expired. A token already
    opened with the same key is not verified and inflated again."""
    try:
        claims, raw = _open(signed, keys)
        if claims.get("sub") != uri or (time.time() if now is None else now) >= claims["exp"]:
            raise ValueError("another list, or expired")
        return _slot(raw, index, claims["status_list"].get("bits", 2))
    except (signing.SignatureRejected, ValueError, KeyError, TypeError, UnicodeError, AttributeError, IndexError, zlib.error):
        raise SdJwtRejected("status_unavailable") from None
