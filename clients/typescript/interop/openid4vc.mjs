// Interoperability with implementations no one at Qilu wrote, from the npm registry, run by Node:
//   @openid4vc/openid4vci  — a holder receives a credential from Qilu's issuer through a credential offer
//   @openid4vc/openid4vp   — the same holder answers Qilu's verifier (signed request object, DCQL, direct_post)
//   @sd-jwt/sd-jwt-vc      — verifies what Qilu issued (signature, type metadata, status) and makes the
//                            presentation with key binding; also verifies a presentation as a third-party verifier
//   @sd-jwt/jwt-status-list — reads Qilu's status lists
// jose (panva) signs and verifies the JWTs the libraries hand to their callbacks.
//
// Usage (each prints one JSON line; tests/interop/test_openid4vc_npm.py drives it):
//   node interop/openid4vc.mjs receive <base> <offer uri> <tx code> <state file> [copies]
//   node interop/openid4vc.mjs present <state file> <openid4vp:// uri> [--nonce N] [--aud A] [--drop FIELD] [--claim FIELD=VALUE] [--no-submit]
//   node interop/openid4vc.mjs verify <base> <presentation> <nonce> <audience>
//   node interop/openid4vc.mjs status <status list uri> <index>
//   node interop/openid4vc.mjs check-request <register url> <openid4vp:// uri>
//   node interop/openid4vc.mjs cors <origin> <url>...
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

import { clientAuthenticationNone } from "@openid4vc/oauth2";
import { Openid4vciClient } from "@openid4vc/openid4vci";
import { Openid4vpClient } from "@openid4vc/openid4vp";
import { setGlobalConfig } from "@openid4vc/utils";
import { ES256, digest, generateSalt } from "@sd-jwt/crypto-nodejs";
import { getListFromStatusListJWT } from "@sd-jwt/jwt-status-list";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import * as jose from "jose";

// The tests' server speaks plain http on loopback; a deployed issuer is https (QILU_PUBLIC_URL).
setGlobalConfig({ allowInsecureUrls: true });

const [command, ...args] = process.argv.slice(2);
const privateKeys = new Map(); // public x → private JWK, for the libraries' signJwt callback
let issuerJwks = { keys: [] };

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const decodeJson = (part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

const callbacks = {
  fetch: (...request) => fetch(...request),
  hash: (data, alg) => createHash(alg.replace("-", "")).update(data).digest(),
  generateRandom: (length) => randomBytes(length),
  clientAuthentication: clientAuthenticationNone({ clientId: "npm-reference-holder" }),
  signJwt: async (signer, { header, payload }) => {
    const secret = privateKeys.get(signer.publicJwk.x);
    const key = await jose.importJWK(secret, "ES256");
    const jwt = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header).sign(key);
    return { jwt, signerJwk: signer.publicJwk };
  },
  verifyJwt: async (signer, { header, compact }) => {
    // A pre-registered verifier's request object is signed by the platform: its key is in the published JWKS.
    const jwk = issuerJwks.keys.find((key) => key.kid === header.kid);
    if (!jwk) return { verified: false };
    try {
      await jose.compactVerify(compact, await jose.importJWK(jwk, "ES256"));
      return { verified: true, signerJwk: jwk };
    } catch {
      return { verified: false };
    }
  },
  decryptJwe: async () => { throw new Error("no encrypted requests here"); },
  encryptJwe: async () => { throw new Error("no encrypted responses here"); },
};

// @sd-jwt's verifier callback gets "header.payload" and the signature: the header's kid picks the issuer key.
async function issuerVerifier(data, signature) {
  const { kid } = decodeJson(data.split(".")[0]);
  const jwk = issuerJwks.keys.find((key) => key.kid === kid);
  return jwk ? (await ES256.getVerifier(jwk))(data, signature) : false;
}

async function kbVerifier(data, signature, payload) {
  return (await ES256.getVerifier(payload.cnf.jwk))(data, signature);
}

function sdJwtVc(extra = {}) {
  return new SDJwtVcInstance({
    hasher: digest,
    hashAlg: "sha-256",
    saltGenerator: generateSalt,
    verifier: issuerVerifier,
    kbVerifier,
    loadTypeMetadataFormat: true, // fetch and validate the type metadata at the vct URL
    ...extra,
  });
}

async function receive(base, offerUri, txCode, stateFile, copies = "2") {
  issuerJwks = (await fetchJson(`${base}/.well-known/jwt-vc-issuer`)).jwks;
  const client = new Openid4vciClient({ callbacks });
  const credentialOffer = await client.resolveCredentialOffer(offerUri);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, txCode });
  const configurationId = credentialOffer.credential_configuration_ids[0];
  const { c_nonce: nonce } = await client.requestNonce({ issuerMetadata });
  const keys = [];
  const proofs = [];
  for (let i = 0; i < Number(copies); i += 1) {
    const pair = await jose.generateKeyPair("ES256", { extractable: true });
    const publicJwk = await jose.exportJWK(pair.publicKey);
    const privateJwk = await jose.exportJWK(pair.privateKey);
    privateKeys.set(publicJwk.x, privateJwk);
    keys.push(privateJwk);
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata, credentialConfigurationId: configurationId, nonce, signer: { method: "jwk", alg: "ES256", publicJwk },
    });
    proofs.push(jwt);
  }
  const result = await client.retrieveCredentials({
    issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: configurationId, proofs: { jwt: proofs },
  });
  const credentials = result.credentialResponse.credentials.map((item) => item.credential);
  // Verify each copy as any SD-JWT VC verifier would: signature, type metadata at its vct, status list.
  const verified = [];
  for (const credential of credentials) {
    const { payload } = await sdJwtVc().verify(credential);
    verified.push({ vct: payload.vct, holder_name: payload.holder_name, status: payload.status, cnf: payload.cnf });
  }
  writeFileSync(stateFile, JSON.stringify({ base, credentials, keys }));
  return { configuration: configurationId, copies: credentials.length, verified, metadata_configurations: Object.keys(issuerMetadata.credentialIssuer.credential_configurations_supported) };
}

function option(name, fallback = undefined) {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
}

async function present(stateFile, walletUri) {
  const state = JSON.parse(readFileSync(stateFile, "utf8"));
  issuerJwks = (await fetchJson(`${state.base}/.well-known/jwks.json`));
  state.keys.forEach((jwk) => privateKeys.set(jwk.x, jwk));
  const client = new Openid4vpClient({ callbacks });
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: walletUri });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
  const request = resolved.authorizationRequestPayload;
  const query = resolved.dcql.query.credentials[0];
  const dropped = option("--drop");
  const frame = Object.fromEntries(query.claims.map((claim) => claim.path[0]).filter((name) => name !== dropped).map((name) => [name, true]));
  const copy = Number(option("--copy", "0"));
  const secret = state.keys[copy];
  const kbSigner = await ES256.getSigner(secret);
  let presentation = await sdJwtVc({ kbSigner, kbSignAlg: "ES256" }).present(state.credentials[copy], frame, {
    kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: option("--aud", request.client_id), nonce: option("--nonce", request.nonce) } },
  });
  const claimed = option("--claim");
  if (claimed) {
    // Claim a field the issuer never signed: a disclosure of our own making, slipped in before the KB-JWT.
    const [name, value] = claimed.split("=");
    const forged = b64url(JSON.stringify([b64url(randomBytes(16)), name, value]));
    const parts = presentation.split("~");
    parts.splice(parts.length - 1, 0, forged);
    presentation = parts.join("~");
  }
  const vpToken = { [query.id]: [presentation] };
  const answer = { client_id: request.client_id, response_uri: request.response_uri, state: request.state, vp_token: JSON.stringify(vpToken),
                   asked: Object.keys(frame), dcql: resolved.dcql.query };
  if (args.includes("--no-submit")) return answer;
  const { authorizationResponsePayload } = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request, authorizationResponsePayload: { vp_token: vpToken },
  });
  const { response } = await client.submitOpenid4vpAuthorizationResponse({ authorizationRequestPayload: request, authorizationResponsePayload });
  return { ...answer, status: response.status, body: await response.json() };
}

async function verify(base, presentation, nonce, audience) {
  issuerJwks = (await fetchJson(`${base}/.well-known/jwt-vc-issuer`)).jwks;
  try {
    const result = await sdJwtVc().verify(presentation, { keyBindingNonce: nonce, requiredClaimKeys: ["vct", "cnf"] });
    if (result.kb?.payload.aud !== audience) return { valid: false, error: "audience" };
    const { _sd, _sd_alg, ...claims } = result.payload;
    return { valid: true, claims, kb: result.kb.payload };
  } catch (error) {
    return { valid: false, error: error.message };
  }
}

async function status(uri, index) {
  const response = await fetch(uri, { headers: { Accept: "application/statuslist+jwt" } });
  const jwt = await response.text();
  const [header, payload] = jwt.split(".").slice(0, 2).map(decodeJson);
  const list = getListFromStatusListJWT(jwt);
  return { status: list.getStatus(Number(index)), bits: list.getBitsPerStatus(), typ: header.typ, sub: payload.sub, ttl: payload.ttl,
           content_type: response.headers.get("content-type"), cache_control: response.headers.get("cache-control") };
}

// A wallet's rule for a pre-registered verifier (OpenID4VP 1.0 §5.9.2, the fallback without a Client
// Identifier Prefix: its metadata is known in advance, by RFC 7591 or out of band). As walt.id's wallet
// does (PreRegistered.authenticatePreRegistered), the metadata and the request-object keys come from
// the registration and the request object must verify with one of them (by kid); as SIOPv2-era wallets
// do for a pre-registered RP, a request carrying its own client_metadata is refused. The request object
// must also be typed oauth-authz-req+jwt and name the same client_id.
async function checkRequest(registerUrl, walletUri) {
  const query = new URL(walletUri).searchParams;
  const clientId = query.get("client_id");
  if (!clientId || clientId.includes(":")) return { ok: false, error: "not_pre_registered" };
  const register = await fetchJson(registerUrl);
  const entries = Array.isArray(register) ? register : register.results ?? [];
  const registration = entries.find((entry) => entry.client_id === clientId);
  if (!registration) return { ok: false, error: "unknown_client" };
  const response = await fetch(query.get("request_uri"), { headers: { Accept: "application/oauth-authz-req+jwt" } });
  const jwt = await response.text();
  const header = jose.decodeProtectedHeader(jwt);
  const payload = jose.decodeJwt(jwt);
  if ("client_metadata" in payload || "client_metadata_uri" in payload) return { ok: false, error: "client_metadata_not_allowed_for_pre_registered" };
  if (header.typ !== "oauth-authz-req+jwt") return { ok: false, error: "typ" };
  if (payload.client_id !== clientId) return { ok: false, error: "client_id_mismatch" };
  const jwk = (registration.metadata?.jwks?.keys ?? []).find((key) => key.kid === header.kid && key.use !== "enc");
  if (!jwk) return { ok: false, error: "key_not_registered", kid: header.kid };
  try {
    await jose.compactVerify(jwt, await jose.importJWK(jwk, header.alg), { algorithms: [registration.metadata.request_object_signing_alg] });
  } catch (error) {
    return { ok: false, error: "signature", detail: error.message };
  }
  return { ok: true, kid: header.kid, alg: header.alg, client_name: registration.metadata.client_name };
}

// What a browser does before a page on another origin may read a response (the Fetch standard's CORS
// check): a preflight OPTIONS naming the method, then the GET with an Origin header; the response is
// readable only if Access-Control-Allow-Origin is "*" or the page's origin.
async function cors(origin, ...urls) {
  const results = [];
  for (const url of urls) {
    const preflight = await fetch(url, { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "GET" } });
    const allowedMethods = (preflight.headers.get("access-control-allow-methods") ?? "").split(",").map((item) => item.trim());
    const read = await fetch(url, { headers: { Origin: origin, Accept: "application/json" } });
    const allowOrigin = read.headers.get("access-control-allow-origin");
    const readable = read.ok && (allowOrigin === "*" || allowOrigin === origin);
    const preflightOk = preflight.ok && [origin, "*"].includes(preflight.headers.get("access-control-allow-origin")) && allowedMethods.includes("GET");
    results.push({ url, status: read.status, allow_origin: allowOrigin, readable, preflight: preflightOk });
  }
  return { readable: results.every((item) => item.readable && item.preflight), results };
}

const commands = { receive, present: (file, uri) => present(file, uri), verify, status, "check-request": checkRequest, cors };
try {
  const result = await commands[command](...args);
  console.log(JSON.stringify(result));
} catch (error) {
  console.log(JSON.stringify({ error: error.message, name: error.constructor.name, details: error.errorResponse ?? error.response?.status ?? null }));
  process.exitCode = 1;
}
