"""`make bench-presentations`: what an SD-JWT VC presentation costs to verify, and how big each flow's
QR is, beside the server-signed 亮证 code measured in the same run (its signature check is the
baseline: the least any verification of a signed QR costs).

Measured, on PostgreSQL and Redis (scripts/with-services.sh):

* baseline — ``signing.verify`` of a 亮证 code (one ES256 signature);
* offline — ``sdjwt.verify`` (issuer signature, disclosures, the KB-JWT's signature, nonce, audience,
  sd_hash) plus ``statuslist.read`` of a status list fetched earlier: what a verifier with only the
  published keys and a cached list does;
* online — ``credentials.openid.selectors.presentation_check`` as the response endpoint runs it (the status list token from
  the cache, and one indexed read of the copy's slot to tell the holder who saw what);
* the status list itself: building and signing a 131,072-slot list with 1 % and 10 % of its slots
  withdrawn, and its size compressed;
* QR payloads: characters and QR version at error correction M for the 亮证 code, the OpenID4VCI
  offer (by value) and the OpenID4VP request (by reference);
* with SM2 co-signatures on (``QILU_SM2_COSIGN``): the 亮证 code with its SM2 countersignature checked
  by ES256 and SM2, and the dual-signed SD-JWT VC (JWS JSON General) checked with SM2 alone.

Writes a Markdown table to bench/results/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("QILU_ENV", "test")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from joserfc import jws  # noqa: E402
from joserfc.jwk import ECKey  # noqa: E402

BASE = "https://qilu.example.gov.cn"
ROUNDS = int(os.environ.get("ROUNDS", "2000"))


def per_call(func, rounds=ROUNDS) -> float:
    """Median of five runs of ``rounds`` calls, in microseconds per call."""
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            func()
        runs.append((time.perf_counter() - start) / rounds * 1e6)
    return statistics.median(runs)


def qr(payload: str) -> str:
    from credentials.rendering import _qr

    code = _qr(payload)
    return f"{len(payload)} chars, version {code.version} ({17 + 4 * code.version}×{17 + 4 * code.version} modules)"


def main() -> None:
    from credentials import signing
    from credentials.models import Credential, RelyingParty, StatusSlot
    from credentials.openid import oid4vci, oid4vp, sdjwt, statuslist
    from credentials.openid import selectors as openid_selectors
    from credentials.services import PRESENTATION_KIND, presentation_create
    from identity.models import User

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--citizens", "0", "--quiet")
    cache.clear()
    signing.reset()
    credential = Credential.objects.filter(type__code="driving_licence").select_related("type__department").first()
    holder = User.objects.get(id_number_index=credential.holder_index)
    clerk = RelyingParty.objects.get(client_id="jinan-lixia-hall-window").members.first()

    shown = presentation_create(actor=holder, credential=credential, disclose=["licence_class", "first_issued"])
    device = ECKey.generate_key("P-256")
    now = int(time.time())
    proof = jws.serialize_compact({"alg": "ES256", "typ": oid4vci.PROOF_TYPE, "jwk": device.as_dict(private=False)},
                                  json.dumps({"aud": BASE, "iat": now, "nonce": oid4vci.nonce_create(actor=oid4vci.WalletApp("bench"))}), device)
    copy, = oid4vci.credential_deliver(actor=holder, grant=oid4vci.Grant(user_id=holder.pk, credentials=[credential.identifier]),
                                       configuration_id="driving_licence", proofs=[proof], base=BASE)
    offer = oid4vci.offer_create(actor=holder, credential=credential)
    request = oid4vp.request_create(actor=clerk, client_id="jinan-lixia-hall-window", type_code="driving_licence",
                                    fields=["holder_name", "licence_class"])
    presentation = sdjwt.present(copy, ["holder_name", "licence_class"], holder_key=device, nonce=request.nonce, audience="jinan-lixia-hall-window")
    pointer = sdjwt.verify(presentation, issuer_keys=signing.keyring().public, require_kb=False).claims["status"]["status_list"]
    list_id = int(pointer["uri"].rsplit("/", 1)[1])
    keys = signing.keys_from_jwks(signing.jwks())
    cached = openid_selectors.status_list_token(list_id, uri=pointer["uri"])

    def baseline():
        signing.verify_compact(shown.token, kind=PRESENTATION_KIND)

    def offline():
        sdjwt.verify(presentation, issuer_keys=keys, issuer=BASE, nonce=request.nonce, audience="jinan-lixia-hall-window")
        statuslist.read(cached, uri=pointer["uri"], index=pointer["idx"], keys=keys)

    def online():
        checked = openid_selectors.presentation_check(presentation, request=request, base=BASE)
        assert checked.valid, checked.reason

    timings = {"baseline": per_call(baseline), "offline": per_call(offline), "online": per_call(online, rounds=ROUNDS // 4)}

    # SM2 co-signatures on: the SM2 keys the deploy step makes, a co-signed 亮证 code, a dual-signed SD-JWT VC.
    from django.conf import settings

    settings.QILU_SM2_COSIGN = True
    signing.ensure_signing_key()
    signing.reset()
    cosigned = presentation_create(actor=holder, credential=credential, disclose=["licence_class", "first_issued"])
    ring = signing.keyring()
    issued = sdjwt.verify(copy, issuer_keys=ring.public, require_kb=False)
    dual = sdjwt.issue_json({name: value for name, value in issued.claims.items() if name not in issued.disclosed}, issued.disclosed,
                            signers=[ring.signers["credentials"], ring.cosigners["credentials"]])

    def cosigned_code():
        signing.verify_compact_with(cosigned.token, kind=PRESENTATION_KIND, keys=ring.public, algorithms=("ES256", "SM2"))

    def dual_sm2():
        sdjwt.verify_json(dual, issuer_keys=ring.public, require_kb=False, algorithms=("SM2",))

    def dual_es256():
        sdjwt.verify_json(dual, issuer_keys=ring.public, require_kb=False, algorithms=("ES256",))

    timings |= {"cosigned": per_call(cosigned_code), "dual_sm2": per_call(dual_sm2), "dual_es256": per_call(dual_es256)}
    settings.QILU_SM2_COSIGN = False

    # The status list at scale: fill one list's slots straight into the table, withdraw a share, build.
    from credentials.models import StatusList

    sizes = {}
    for share in (0.01, 0.10):
        big = StatusList.objects.create()
        indices = random.sample(range(big.size), big.size // 2)
        StatusSlot.objects.bulk_create([StatusSlot(status_list=big, index=index, credential=credential, revision=credential.revision,
                                                   holder_key="bench") for index in indices], batch_size=5000)
        withdrawn = indices[: int(len(indices) * share)]
        StatusSlot.objects.filter(status_list=big, index__in=withdrawn).update(revision=0)  # superseded: listed as invalid
        uri = f"{BASE}/status-lists/{big.pk}"
        start = time.perf_counter()
        token = openid_selectors.status_list_token(big.pk, uri=uri)
        built = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        for _ in range(100):
            openid_selectors.status_list_token(big.pk, uri=uri)
        hit = (time.perf_counter() - start) / 100 * 1e6
        sizes[share] = (len(withdrawn), built, hit, len(token))

    wallet_uri = oid4vp.wallet_uri(request, BASE)
    lines = [
        f"# Presentations: SD-JWT VC over OpenID4VP beside the 亮证 code — {dt.datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"{platform.node()} · Python {platform.python_version()} · {os.cpu_count()} cores · {ROUNDS} calls per run, median of 5 runs",
        "",
        "| verification | µs per presentation | × baseline |",
        "|---|---:|---:|",
        f"| baseline: 亮证 code (one ES256 signature) | {timings['baseline']:.0f} | 1.0 |",
        f"| SD-JWT VC + KB-JWT, offline (published keys, cached status list) | {timings['offline']:.0f} | {timings['offline'] / timings['baseline']:.1f} |",
        f"| SD-JWT VC + KB-JWT, online (the response endpoint's check) | {timings['online']:.0f} | {timings['online'] / timings['baseline']:.1f} |",
        f"| 亮证 code with its SM2 countersignature, both checked | {timings['cosigned']:.0f} | {timings['cosigned'] / timings['baseline']:.1f} |",
        f"| dual-signed SD-JWT VC (JWS JSON General), ES256 checked, no KB | {timings['dual_es256']:.0f} | "
        f"{timings['dual_es256'] / timings['baseline']:.1f} |",
        f"| dual-signed SD-JWT VC (JWS JSON General), SM2 checked, no KB | {timings['dual_sm2']:.0f} | {timings['dual_sm2'] / timings['baseline']:.1f} |",
        "",
        "| status list, 131,072 slots, half allocated | withdrawn slots | build + sign (ms) | cached read (µs) | token bytes |",
        "|---|---:|---:|---:|---:|",
        *[f"| {int(share * 100)} % withdrawn | {count:,} | {built:.0f} | {hit:.0f} | {size:,} |" for share, (count, built, hit, size) in sizes.items()],
        "",
        "| QR payload | size |",
        "|---|---|",
        f"| 亮证 code (QL1: COSE_Sign1 + CWT reference, Base45) | {qr(shown.token)} |",
        f"| 亮证 code with an SM2 countersignature (RFC 9338) | {qr(cosigned.token)} |",
        f"| OpenID4VCI credential offer, by value (pre-authorized code + tx_code) | {qr(offer.uri(BASE))} |",
        f"| OpenID4VP request, by reference (client_id + request_uri) | {qr(wallet_uri)} |",
        "",
        f"Issued SD-JWT VC (all fields as disclosures): {len(copy):,} characters; the presentation of 2 fields with its KB-JWT: {len(presentation):,}.",
    ]
    out = Path(__file__).resolve().parent / "results" / f"{dt.datetime.now():%Y-%m-%d-%H%M}-presentations.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
