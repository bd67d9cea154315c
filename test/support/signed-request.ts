/**
 * SigV4 for tests that talk to Trent over raw HTTP: requests are signed by @smithy/signature-v4,
 * the SDK's own signer, with SHA-256 from node:crypto.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import type { SourceData } from "@smithy/types";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { REGION } from "./harness.js";

function toBuffer(data: SourceData): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 / HMAC-SHA-256 for @smithy/signature-v4, on node:crypto. */
export class Sha256 {
  readonly #h: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#h = secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(secret));
  }
  update(data: SourceData): void {
    this.#h.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#h.digest()));
  }
}

export interface RequestToSign {
  /** Default POST. */
  readonly method?: string | undefined;
  /** Every header to sign, `host` among them. */
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer | undefined;
  /** Default us-east-1. */
  readonly region?: string | undefined;
  /** Default "test". */
  readonly accessKeyId?: string | undefined;
  /** Default "test". */
  readonly secret?: string | undefined;
  /** Signing time in epoch ms (default now). */
  readonly at?: number | undefined;
}

/** The headers of a request to path `/` of `url`, with the SigV4 headers for service "kms" added. */
export async function signedHeaders(url: URL, req: RequestToSign): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: "kms",
    region: req.region ?? REGION,
    credentials: { accessKeyId: req.accessKeyId ?? "test", secretAccessKey: req.secret ?? "test" },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: req.method ?? "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      query: {},
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
    },
    { signingDate: new Date(req.at ?? Date.now()) },
  );
  return { ...(signed.headers as Record<string, string>) };
}
