// A dual-signed SD-JWT VC from Qilu — the SD-JWT JSON Serialization in the JWS General form (RFC 9901 §8,
// RFC 7515 §7.2.1), ES256 first and SM2 (a private `alg`) second — read by @sd-jwt/core, a holder that
// knows ES256 only. RFC 7515 §7.2 leaves it to the application which signatures must verify: this one
// requires the ES256 signature (by a P-256 key of the issuer's JWKS) and passes over what it cannot check.
//
// Usage (prints one JSON line; tests/interop/test_dualsigned_npm.py drives it):
//   node interop/dualsigned.mjs <file holding {"credential": <JSON-serialized SD-JWT>, "jwks": <issuer JWKS>}>
import { readFileSync } from "node:fs";

import { GeneralJSON, SDJwtGeneralJSONInstance, SDJwtInstance } from "@sd-jwt/core";
import { ES256, digest } from "@sd-jwt/crypto-nodejs";

const { credential, jwks } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const decodeJson = (part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
const checked = [];
const passedOver = [];

async function es256(data, signature) {
  const { kid } = decodeJson(data.split(".")[0]);
  const jwk = jwks.keys.find((key) => key.kid === kid && key.kty === "EC" && key.crv === "P-256");
  return jwk ? (await ES256.getVerifier(jwk))(data, signature) : false;
}

// Called once per signature with "protected.payload": ES256 is checked, any other algorithm passed over.
async function verifier(data, signature) {
  const { alg } = decodeJson(data.split(".")[0]);
  if (alg !== "ES256") {
    passedOver.push(alg);
    return true;
  }
  const ok = await es256(data, signature);
  if (ok) checked.push(alg);
  return ok;
}

try {
  const general = GeneralJSON.fromSerialized(credential);
  const { payload } = await new SDJwtGeneralJSONInstance({ hasher: digest, verifier }).verify(general);
  if (!checked.includes("ES256")) throw new Error("no ES256 signature verified");
  // What a wallet keeps: the compact SD-JWT of the first (ES256) signature, verified as any other.
  const compact = general.toEncoded(0);
  const fromCompact = await new SDJwtInstance({ hasher: digest, verifier: es256 }).verify(compact);
  console.log(JSON.stringify({ verified: true, checked, passed_over: passedOver, claims: payload, compact_claims: fromCompact.payload }));
} catch (error) {
  console.log(JSON.stringify({ verified: false, checked, passed_over: passedOver, error: String(error && error.message) }));
  process.exit(1);
}
