import { request } from "node:http";
import { signRequest } from "../../src/api/sigv4.js";
import { REGION } from "./harness.js";

export interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface RawAnswer {
  readonly status: number;
  readonly body: string;
}

/** POSTs a SigV4-signed body to `endpoint` (optionally signed at another instant, for clock tests). */
export function signedPost(
  endpoint: string,
  creds: Creds,
  service: string,
  headers: Record<string, string>,
  body: string,
  nowMs = Date.now(),
): Promise<RawAnswer> {
  const url = new URL(endpoint);
  const bytes = Buffer.from(body, "utf8");
  const extra: Record<string, string> = { ...headers };
  if (creds.sessionToken !== undefined) extra["x-amz-security-token"] = creds.sessionToken;
  const signed = signRequest(
    { method: "POST", path: "/", host: url.host, headers: extra, body: bytes },
    { accessKeyId: creds.accessKeyId, secret: Buffer.from(creds.secretAccessKey, "utf8"), region: REGION, service },
    nowMs,
  );
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: "POST", path: "/", headers: { ...signed, "content-length": String(bytes.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(bytes);
  });
}

/** An STS Query call. */
export function sts(endpoint: string, creds: Creds, params: Record<string, string>, nowMs?: number): Promise<RawAnswer> {
  const body = new URLSearchParams({ ...params, Version: "2011-06-15" }).toString();
  return signedPost(endpoint, creds, "sts", { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, body, nowMs);
}

/** A KMS JSON call signed by hand. */
export function kmsRaw(endpoint: string, creds: Creds, operation: string, input: unknown, nowMs?: number): Promise<RawAnswer> {
  return signedPost(
    endpoint,
    creds,
    "kms",
    { "content-type": "application/x-amz-json-1.1", "x-amz-target": `TrentService.${operation}` },
    JSON.stringify(input),
    nowMs,
  );
}

/** The text of the first `<name>` element of an XML answer. */
export function xmlText(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

/** The credentials in an AssumeRole answer. */
export function sessionCreds(xml: string): Creds & { readonly expiration: string } {
  const accessKeyId = xmlText(xml, "AccessKeyId");
  const secretAccessKey = xmlText(xml, "SecretAccessKey");
  const sessionToken = xmlText(xml, "SessionToken");
  const expiration = xmlText(xml, "Expiration");
  if (accessKeyId === undefined || secretAccessKey === undefined || sessionToken === undefined || expiration === undefined) {
    throw new Error("AssumeRole answered no credentials");
  }
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}
