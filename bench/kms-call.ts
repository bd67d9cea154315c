import { request } from "node:http";
import { CONTENT_TYPE, SigV4Signer } from "./sigv4-signer.js";

export interface KmsReply {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Trent's dev-mode root credentials. */
export const DEV_CREDENTIALS: Credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** One signed KMS call over a fresh connection (set-up and probes, not load); signed as the dev root unless `credentials`. */
export function kmsCall(
  endpoint: string,
  region: string,
  op: string,
  payload: unknown,
  timeoutMs = 5000,
  credentials: Credentials = DEV_CREDENTIALS,
): Promise<KmsReply> {
  const u = new URL(endpoint);
  const host = `${u.hostname}:${u.port}`;
  const body = JSON.stringify(payload);
  const target = `TrentService.${op}`;
  const sig = new SigV4Signer({ ...credentials, region }).sign(host, target, body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: Number(u.port),
        method: "POST",
        path: "/",
        agent: false,
        headers: {
          host,
          "content-type": CONTENT_TYPE,
          "x-amz-target": target,
          "x-amz-date": sig.amzDate,
          authorization: sig.authorization,
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = { raw: text };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on("error", reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${op}: no response within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Calls until one succeeds (HTTP 200) or `timeoutMs` passes; resolves with the ms it took. */
export async function firstSuccess(
  endpoint: string,
  region: string,
  op: string,
  payload: unknown,
  timeoutMs = 10_000,
  credentials: Credentials = DEV_CREDENTIALS,
): Promise<KmsReply> {
  const deadline = performance.now() + timeoutMs;
  let last = "";
  for (let attempt = 0; attempt < 1000 && performance.now() < deadline; attempt++) {
    try {
      const r = await kmsCall(endpoint, region, op, payload, 5000, credentials);
      if (r.status === 200) return r;
      last = `HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${op} never succeeded within ${timeoutMs} ms: ${last}`);
}
