import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { signRequest } from "../../api/sigv4.js";
import type { ParsedXksEndpoint } from "../../domain/xks-uri.js";

/**
 * One call to an external key store proxy (XKS proxy API v1): POST `{uriPath}/{operation}` with a
 * JSON body, signed with SigV4 (service `kms-xks-proxy`, the key store's region) with the store's
 * proxy authentication credential. Every call has a deadline (XKS_CALL_TIMEOUT_MS: AWS waits about
 * 250 ms; Trent allows a few seconds, since its proxies may be further away and it retries nothing)
 * and a bounded response size. Failures are typed (XksProxyFailure) and never carry a body, a
 * plaintext or the secret.
 */

export const XKS_CALL_TIMEOUT_MS = 3000;
const MAX_RESPONSE_BYTES = 64 * 1024;

export type XksFailureKind =
  /** The proxy answered with an error whose errorName is in `errorName`. */
  | "proxy-error"
  /** No TCP connection. */
  | "unreachable"
  /** The TLS handshake failed (certificate, protocol). */
  | "tls"
  /** No complete answer within the deadline. */
  | "timeout"
  /** An answer that is not what the API specifies (status, JSON, fields). */
  | "invalid-response";

export class XksProxyFailure extends Error {
  readonly kind: XksFailureKind;
  readonly errorName: string | undefined;

  constructor(kind: XksFailureKind, errorName?: string) {
    super(errorName === undefined ? `XKS proxy call failed: ${kind}` : `XKS proxy call failed: ${kind} ${errorName}`);
    this.name = "XksProxyFailure";
    this.kind = kind;
    this.errorName = errorName;
  }
}

export interface XksCallTarget {
  readonly endpoint: ParsedXksEndpoint;
  readonly uriPath: string;
  readonly accessKeyId: string;
  /** The RawSecretAccessKey; only read for signing. */
  readonly secret: Buffer;
  readonly region: string;
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/;

function failureOf(e: unknown): XksProxyFailure {
  if (e instanceof XksProxyFailure) return e;
  const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "";
  if (TLS_CODES.test(code) || /ssl|tls|certificate/i.test(e instanceof Error ? e.message : "")) return new XksProxyFailure("tls");
  return new XksProxyFailure("unreachable");
}

/** POSTs `body` to `{uriPath}/{operation}` and returns the parsed JSON object of a 200 answer. */
export async function callXksProxy(
  target: XksCallTarget,
  operation: string,
  body: Readonly<Record<string, unknown>>,
  opts: { readonly timeoutMs?: number; readonly now?: number } = {},
): Promise<Record<string, unknown>> {
  const path = `${target.uriPath}/${operation}`;
  const payload = Buffer.from(JSON.stringify(body), "utf8");
  const headers = signRequest(
    { method: "POST", path, host: target.endpoint.host, headers: { "content-type": "application/json" }, body: payload },
    { accessKeyId: target.accessKeyId, secret: target.secret, region: target.region, service: "kms-xks-proxy" },
    opts.now ?? Date.now(),
  );
  const timeoutMs = opts.timeoutMs ?? XKS_CALL_TIMEOUT_MS;
  const send = target.endpoint.protocol === "https:" ? httpsRequest : httpRequest;
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const req = send(
      {
        method: "POST",
        hostname: target.endpoint.hostname,
        port: target.endpoint.port,
        path,
        headers: { ...headers, "content-length": String(payload.length) },
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy();
            finish(() => reject(new XksProxyFailure("invalid-response")));
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => finish(() => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") })));
        res.on("error", (e) => finish(() => reject(failureOf(e))));
      },
    );
    const timer = setTimeout(() => {
      finish(() => reject(new XksProxyFailure("timeout")));
      req.destroy();
    }, timeoutMs);
    req.on("error", (e) => finish(() => reject(failureOf(e))));
    req.end(payload);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new XksProxyFailure("invalid-response");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new XksProxyFailure("invalid-response");
  const obj = parsed as Record<string, unknown>;
  if (status === 200) return obj;
  const name = obj["errorName"];
  if (typeof name !== "string" || !/^[A-Za-z]{1,64}$/.test(name)) throw new XksProxyFailure("invalid-response");
  throw new XksProxyFailure("proxy-error", name);
}

/** A base64 string member of a proxy answer, decoded; invalid-response when absent or not base64. */
export function base64Member(obj: Readonly<Record<string, unknown>>, name: string, optional = false): Buffer | undefined {
  const v = obj[name];
  if (v === undefined && optional) return undefined;
  if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) throw new XksProxyFailure("invalid-response");
  return Buffer.from(v, "base64");
}
