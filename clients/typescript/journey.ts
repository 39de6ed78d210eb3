// A slice of the mobile journey in TypeScript, typed by the client generated from the served document
// (openapi-typescript → generated/schema.d.ts, openapi-fetch). tsc checks every path, parameter, body
// and answer below against the document; tests/contract/test_typescript_client.py then runs it.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type ApiError = components["schemas"]["Error"];
type Presentation = components["schemas"]["Presentation"];

const [baseUrl = "", idNumber = "", password = ""] = process.argv.slice(2);
if (!baseUrl || !idNumber || !password) throw new Error("usage: node build/journey.js <base url> <ID number> <password>");
const api = createClient<paths>({ baseUrl });

async function main(): Promise<void> {
  const config = await api.GET("/_allauth/app/v1/config");
  const methods: string[] = config.data?.data.account.login_methods ?? [];

  const login = await api.POST("/_allauth/app/v1/auth/login", { body: { username: idNumber, password } });
  const token = login.data?.meta.session_token;
  if (!token) throw new Error(`sign-in failed: ${login.response.status}`);
  const headers = { "X-Session-Token": token, "Accept-Language": "en" };

  const wallet = await api.GET("/api/v1/wallet/", { headers });
  const first = wallet.data?.[0];
  if (!first) throw new Error("empty wallet");
  const shown = await api.POST("/api/v1/wallet/{identifier}/presentations/", {
    params: { path: { identifier: first.identifier }, query: { qr: "svg" } },
    body: { disclose: [] },
    headers,
  });
  const presentation: Presentation | undefined = shown.data;

  const items = await api.GET("/api/v1/items/", { params: { query: { q: "驾驶证", page_size: 5 } } });
  const missing = await api.GET("/api/v1/applications/{number}/", { params: { path: { number: "QL0000000000000000" } }, headers });
  const error: ApiError | undefined = missing.error;

  const verdict = await api.POST("/api/v1/verifications/", { body: { payload: presentation?.payload ?? "" }, headers });
  const refused: ApiError | undefined = verdict.error;  // a citizen is not a window clerk

  console.log(JSON.stringify({
    login_methods: methods,
    wallet: wallet.data?.length ?? 0,
    presented: Boolean(presentation?.payload && presentation.qr_svg?.startsWith("<")),
    items: items.data?.count ?? -1,
    not_found: { status: missing.response.status, code: error?.code, message: error?.message },
    refused: { status: verdict.response.status, code: refused?.code },
  }));
}

await main();
