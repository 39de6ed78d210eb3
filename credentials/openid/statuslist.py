"""IETF Token Status List (draft-ietf-oauth-status-list): where a verifier that is offline from our
database learns whether an SD-JWT VC copy is still valid.

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

import secrets
import time
import zlib

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from core.usecases import pure, step
from credentials import signing
from credentials.models import Credential, StatusList, StatusSlot
from credentials.openid.sdjwt import SdJwtRejected, b64url_decode

VALID, INVALID, SUSPENDED = 0, 1, 2
# A newer copy of a type held once replaced it (换证). The draft registers 0x00–0x02 and reserves 0x03
# (and 0x0B–0x0F) as application-specific; with 2 bits per entry 0x03 is the only one that fits, and a
# verifier that does not know our meaning still reads "not VALID" and refuses the copy.
SUPERSEDED = 3
TYPE = "statuslist+jwt"
TTL = 10  # seconds a consumer may cache a list before fetching again (also its HTTP max-age)
LIFETIME = 24 * 3600  # an offline verifier may rely on a list this long after it was signed
_TRIES = 32


class ListFull(RuntimeError):
    pass


@pure
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


@pure
def decode(compressed: bytes, index: int, *, bits: int = 2) -> int:
    return _slot(zlib.decompress(compressed), index, bits)


def _open_list() -> StatusList:
    open_one = (StatusList.objects.select_for_update().filter(allocated__lt=F("size") * StatusList.FILL).order_by("-id").first())
    return open_one or StatusList.objects.create()


@step
def allocate(*, credential: Credential, holder_key: str) -> StatusSlot:
    """A random free slot of the open list for one copy (inside the caller's transaction)."""
    status_list = _open_list()
    for _attempt in range(_TRIES):
        index = secrets.randbelow(status_list.size)
        try:
            with transaction.atomic():
                slot = StatusSlot.objects.create(status_list=status_list, index=index, credential=credential,
                                                 revision=credential.revision, holder_key=holder_key)
        except IntegrityError:
            continue  # taken: at most half the list is, so a few draws find a free one
        StatusList.objects.filter(pk=status_list.pk).update(allocated=F("allocated") + 1)
        return slot
    raise ListFull(status_list.pk)


@pure
def version_key(list_id: int) -> str:
    return f"statuslist:{list_id}:version"


@step
def changed(credential: Credential) -> None:
    """After commit, every list holding a copy of ``credential`` is rebuilt on its next fetch."""
    lists = set(StatusSlot.objects.filter(credential=credential).values_list("status_list_id", flat=True))

    def bump():
        for list_id in lists:
            cache.set(version_key(list_id), time.time_ns(), timeout=None)

    if lists:
        transaction.on_commit(bump)


_opened: dict[tuple[str, str], tuple[dict, bytes]] = {}  # (token, key thumbprint) → (claims, raw bits): a verifier reads one list often
_OPENED_MAX = 64


def _open(signed: str, keys: dict[str, ECKey]) -> tuple[dict, bytes]:
    """The token's claims and inflated bits, verified by the signing service's own check (key by
    ``kid``, ES256, ``typ``, ``exp``) the first time it is seen with that key."""
    kid = jws.extract_compact(signed.encode("ascii")).headers().get("kid")
    key = keys[kid]
    memo = (signed, key.thumbprint())
    if memo not in _opened:
        claims = signing.verify_with(signed, kind=TYPE, keys={kid: key})
        raw = zlib.decompress(b64url_decode(claims["status_list"]["lst"]))
        if len(_opened) >= _OPENED_MAX:
            _opened.pop(next(iter(_opened)))
        _opened[memo] = (claims, raw)
    return _opened[memo]


@pure
def read(signed: str, *, uri: str, index: int, keys: dict[str, ECKey], now: float | None = None) -> int:
    """A verifier's reading of one slot from a status list token it fetched (or cached): the token
    must be signed by a key in ``keys``, be about ``uri``, and not have expired. A token already
    opened with the same key is not verified and inflated again."""
    try:
        claims, raw = _open(signed, keys)
        if claims.get("sub") != uri or (time.time() if now is None else now) >= claims["exp"]:
            raise ValueError("another list, or expired")
        return _slot(raw, index, claims["status_list"].get("bits", 2))
    except (signing.SignatureRejected, JoseError, ValueError, KeyError, TypeError, UnicodeError, AttributeError, IndexError, zlib.error):
        raise SdJwtRejected("status_unavailable") from None
