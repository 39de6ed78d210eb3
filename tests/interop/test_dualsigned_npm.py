"""The dual-signed SD-JWT VC (ES256 + SM2 in the JWS JSON General form) verified with ES256 alone by
``@sd-jwt/core`` from the npm registry (clients/typescript/interop/dualsigned.mjs); ours verifies it
with SM2 alone (tests/credentials/test_cosign.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from joserfc.jwk import ECKey

from credentials import signing
from credentials.openid import sdjwt
from tests.factories import fresh_signing_key

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "typescript"


@pytest.fixture
def ring(db, settings):
    settings.QILU_SM2_COSIGN = True
    fresh_signing_key()
    signing.ensure_signing_key()
    signing.reset()
    return signing.keyring()


def node(tmp_path, credential: dict, jwks: dict) -> tuple[int, dict]:
    assert (CLIENT / "node_modules" / "@sd-jwt" / "core").exists(), "run `make test` (it installs clients/typescript with npm ci)"
    file = tmp_path / "dual.json"
    file.write_text(json.dumps({"credential": credential, "jwks": jwks}), encoding="utf-8")
    run = subprocess.run(["node", "interop/dualsigned.mjs", str(file)], cwd=CLIENT, capture_output=True, text=True, timeout=60)
    lines = run.stdout.strip().splitlines()
    assert lines, run.stderr
    return run.returncode, json.loads(lines[-1])


def _issued(ring) -> dict:
    holder = ECKey.generate_key("P-256", auto_kid=False)
    claims = {"iss": "https://qilu.example", "iat": 1700000000, "exp": 4102444800, "vct": "https://qilu.example/vct/driving_licence",
              "cnf": {"jwk": holder.as_dict(private=False)}}
    return sdjwt.issue_json(claims, {"holder_name": "张三", "licence_class": "C1"},
                            signers=[ring.signers["credentials"], ring.cosigners["credentials"]])


def _flip(text: str) -> str:
    return ("B" if text[0] == "A" else "A") + text[1:]


def _broken(document: dict, index: int) -> dict:
    """The document with signature ``index`` (0 ES256, 1 SM2) no longer matching."""
    signatures = [dict(entry) for entry in document["signatures"]]
    signatures[index]["signature"] = _flip(signatures[index]["signature"])
    return {**document, "signatures": signatures}


def test_the_npm_holder_verifies_the_dual_signed_credential_with_es256_alone(ring, tmp_path):
    document = _issued(ring)
    code, result = node(tmp_path, document, signing.jwks())
    assert code == 0 and result["verified"], result
    assert result["checked"] == ["ES256"] and result["passed_over"] == ["SM2"]
    assert result["claims"]["holder_name"] == "张三" and result["compact_claims"]["licence_class"] == "C1"
    # A broken SM2 signature is nothing to this holder; a broken ES256 one is.
    assert node(tmp_path, _broken(document, 1), signing.jwks())[1]["verified"]
    code, result = node(tmp_path, _broken(document, 0), signing.jwks())
    assert code == 1 and not result["verified"]
