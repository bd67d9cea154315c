import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SigV4Verifier } from "../../src/api/sigv4.js";
import { SecretBytes } from "../../src/crypto/secret-bytes.js";

/**
 * A small XKS proxy (XKS proxy API v1) for the tests, on 127.0.0.1 and an ephemeral port, plain
 * HTTP: GetKeyMetadata, Encrypt, Decrypt and GetHealthStatus under `{uriPath}/kms/xks/v1`, with
 * real AES-256-GCM keys it holds. Every request must carry a SigV4 signature (service
 * kms-xks-proxy) made with the credential it was given. Tests can remove or disable keys, make it
 * fail every request with an XKS error, answer garbage, or never answer; it counts the calls.
 */

export interface XksProxyKey {
  readonly material: Buffer;
  keyStatus: "ENABLED" | "DISABLED";
  keySpec: string;
  keyUsage: string[];
}

export type XksProxyMode =
  | { readonly kind: "ok" }
  | { readonly kind: "error"; readonly status: number; readonly errorName: string }
  | { readonly kind: "garbage" }
  | { readonly kind: "hang" }
  /** Answers Encrypt with its plaintext and Decrypt with its ciphertext plus one byte: a broken proxy. */
  | { readonly kind: "echo" };

/** The AAD the external key manager uses (the spec's length-prefixed AAD || ciphertextMetadata). */
function gcmAad(aad: Buffer, metadata: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(aad.length);
  return Buffer.concat([len, aad, Buffer.of(metadata.length), metadata]);
}

export class TestXksProxy {
  readonly keys = new Map<string, XksProxyKey>();
  readonly calls: { operation: string; keyId?: string; kmsOperation?: string; region: string }[] = [];
  mode: XksProxyMode = { kind: "ok" };
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly pathPrefix: string;
  readonly #server: Server;
  readonly #verifier: SigV4Verifier;

  private constructor(server: Server, accessKeyId: string, secretAccessKey: string, pathPrefix: string) {
    this.#server = server;
    this.accessKeyId = accessKeyId;
    this.secretAccessKey = secretAccessKey;
    this.pathPrefix = pathPrefix;
    this.#verifier = new SigV4Verifier({
      service: "kms-xks-proxy",
      lookupSecret: (id) => (id === this.accessKeyId ? SecretBytes.copyOf(Buffer.from(this.secretAccessKey, "utf8")) : undefined),
    });
  }

  static async start(opts: { accessKeyId: string; secretAccessKey: string; pathPrefix?: string }): Promise<TestXksProxy> {
    const server = createServer();
    const proxy = new TestXksProxy(server, opts.accessKeyId, opts.secretAccessKey, opts.pathPrefix ?? "/example");
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        proxy.#handle(req, Buffer.concat(chunks)).then(
          (r) => {
            if (r === undefined) return; // hang
            res.writeHead(r.status, { "content-type": "application/json" });
            res.end(r.body);
          },
          () => {
            res.writeHead(500, { "content-type": "application/json" });
            res.end(JSON.stringify({ errorName: "InternalException" }));
          },
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  get uriPath(): string {
    return `${this.pathPrefix}/kms/xks/v1`;
  }

  /** Adds an AES-256 key (ENABLED, ENCRYPT and DECRYPT unless told otherwise). */
  addKey(id: string, over: Partial<XksProxyKey> = {}): XksProxyKey {
    const key: XksProxyKey = { material: randomBytes(32), keyStatus: "ENABLED", keySpec: "AES_256", keyUsage: ["ENCRYPT", "DECRYPT"], ...over };
    this.keys.set(id, key);
    return key;
  }

  count(operation: string): number {
    return this.calls.filter((c) => c.operation === operation).length;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, body: Buffer): Promise<{ status: number; body: string } | undefined> {
    const err = (status: number, errorName: string): { status: number; body: string } => ({ status, body: JSON.stringify({ errorName }) });
    let region: string;
    try {
      region = (await this.#verifier.verify({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body })).region;
    } catch {
      return err(401, "AuthenticationFailedException");
    }
    if (req.method !== "POST") return err(405, "ValidationException");
    const url = req.url ?? "";
    if (!url.startsWith(`${this.uriPath}/`)) return err(404, "InvalidUriPathException");
    const rest = url.slice(this.uriPath.length + 1);
    const m = /^keys\/([A-Za-z0-9._-]{1,128})\/(metadata|encrypt|decrypt)$/.exec(rest);
    const operation = rest === "health" ? "health" : m?.[2];
    if (operation === undefined) return err(404, "InvalidUriPathException");
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    } catch {
      return err(400, "ValidationException");
    }
    const meta = (json["requestMetadata"] ?? {}) as Record<string, unknown>;
    const kmsOperation = typeof meta["kmsOperation"] === "string" ? meta["kmsOperation"] : undefined;
    this.calls.push({ operation, ...(m?.[1] !== undefined ? { keyId: m[1] } : {}), ...(kmsOperation !== undefined ? { kmsOperation } : {}), region });
    switch (this.mode.kind) {
      case "hang":
        return undefined;
      case "garbage":
        return { status: 200, body: "<html>not json</html>" };
      case "error":
        return err(this.mode.status, this.mode.errorName);
      case "echo":
        if (operation === "encrypt") {
          return { status: 200, body: JSON.stringify({ ciphertext: json["plaintext"], initializationVector: randomBytes(12).toString("base64"), authenticationTag: randomBytes(16).toString("base64") }) };
        }
        if (operation === "decrypt") {
          const c = Buffer.from(typeof json["ciphertext"] === "string" ? json["ciphertext"] : "", "base64");
          return { status: 200, body: JSON.stringify({ plaintext: Buffer.concat([c, Buffer.of(0)]).toString("base64") }) };
        }
        break;
      case "ok":
        break;
    }
    if (operation === "health") {
      return {
        status: 200,
        body: JSON.stringify({
          xksProxyFleetSize: 1,
          xksProxyVendor: "Trent tests",
          xksProxyModel: "TestXksProxy 1.0",
          ekmVendor: "Trent tests",
          ekmFleetDetails: [{ id: "ekm-1", model: "node:crypto", healthStatus: "ACTIVE" }],
        }),
      };
    }
    const key = m === null ? undefined : this.keys.get(m[1] ?? "");
    if (key === undefined) return err(404, "KeyNotFoundException");
    if (operation === "metadata") {
      return { status: 200, body: JSON.stringify({ keySpec: key.keySpec, keyUsage: key.keyUsage, keyStatus: key.keyStatus }) };
    }
    if (key.keyStatus !== "ENABLED") return err(400, "InvalidStateException");
    if (json["encryptionAlgorithm"] !== "AES_GCM") return err(400, "ValidationException");
    const b64 = (name: string): Buffer => Buffer.from(typeof json[name] === "string" ? (json[name] as string) : "", "base64");
    const aad = b64("additionalAuthenticatedData");
    if (operation === "encrypt") {
      const iv = randomBytes(12);
      const metadata = Buffer.from("v1");
      const c = createCipheriv("aes-256-gcm", key.material, iv);
      c.setAAD(gcmAad(aad, metadata));
      const ciphertext = Buffer.concat([c.update(b64("plaintext")), c.final()]);
      return {
        status: 200,
        body: JSON.stringify({
          ciphertext: ciphertext.toString("base64"),
          ciphertextMetadata: metadata.toString("base64"),
          initializationVector: iv.toString("base64"),
          authenticationTag: c.getAuthTag().toString("base64"),
        }),
      };
    }
    try {
      const d = createDecipheriv("aes-256-gcm", key.material, b64("initializationVector"));
      d.setAAD(gcmAad(aad, b64("ciphertextMetadata")));
      d.setAuthTag(b64("authenticationTag"));
      const plaintext = Buffer.concat([d.update(b64("ciphertext")), d.final()]);
      return { status: 200, body: JSON.stringify({ plaintext: plaintext.toString("base64") }) };
    } catch {
      return err(400, "InvalidCiphertextException");
    }
  }
}
