import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { Server as NetServer, type AddressInfo } from "node:net";
import { isStsRequest } from "../sts/sts-dispatcher.js";
import type { Dispatcher, RawRequest, RawResponse } from "./dispatcher.js";

/** Largest request body accepted. AWS KMS requests are small; the largest is a 32 KB policy. */
export const MAX_BODY_BYTES = 512 * 1024;

/** Operator actions on the root of trust (sealed keystore). Answers are safe to print. */
export interface OperatorRoutes {
  status(): Record<string, unknown>;
  /** Accepted from anywhere: a share is its own credential. */
  unseal(share: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Loopback only. */
  seal(): Promise<Record<string, unknown>>;
  /** Loopback only: new root version, everything re-wrapped under it. */
  rotateRoot?(): Promise<Record<string, unknown>>;
}

export interface AdminRoutes {
  /** Dev mode only: wipe every key, alias and policy. Absent in production. */
  readonly reset?: () => Promise<void>;
  /** `GET /readyz`: 200 when ready, else 503; the checks (if given) are in the body. */
  readonly ready: () => Promise<boolean | { readonly ready: boolean; readonly checks: Readonly<Record<string, boolean>> }>;
  readonly operator?: OperatorRoutes;
  /** `GET /metrics`: Prometheus text exposition. */
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly body: string }>;
  /** Loopback only: `GET /_trent/keys/<keyId>/usage`, usage per backing-key version; undefined for an unknown key. */
  readonly keyUsage?: (keyId: string) => Promise<Record<string, unknown> | undefined>;
  /** Loopback only: `POST /_trent/explain` (JSON in and out), the policy decision explainer. */
  readonly explain?: (body: Buffer) => Promise<{ status: number; body: Record<string, unknown> }>;
  /** STS Query calls (`POST /`, form-encoded, credential scope service "sts"). */
  readonly sts?: (req: RawRequest) => Promise<RawResponse>;
}

const JSON_CT = "application/x-amz-json-1.1";

function isLoopback(addr: string | undefined): boolean {
  return addr === "127.0.0.1" || addr === "::1" || addr === "::ffff:127.0.0.1";
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": JSON_CT,
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

let dateSecond = Number.NaN;
let dateText = "";

/** An HTTP Date header value ("Tue, 01 Dec 2026 14:18:00 GMT"), formatted once per second. */
function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== dateSecond) {
    dateText = new Date(second * 1000).toUTCString();
    dateSecond = second;
  }
  return dateText;
}

/** The Date header comes from the service clock, so SDK clock-skew correction agrees with SigV4. */
function dated(res: ServerResponse, now: () => number, draining: boolean): void {
  res.setHeader("date", httpDate(now()));
  if (draining) res.setHeader("connection", "close");
}

/** The HTTP front: AWS JSON 1.1 on `POST /`, health endpoints, and dev-mode admin routes. */
export class HttpFront {
  readonly #server: Server;
  readonly #dispatcher: Dispatcher;
  readonly #admin: AdminRoutes;
  readonly #now: () => number;
  #inFlight = 0;
  #draining = false;
  #drained: (() => void) | undefined;

  readonly #secure: boolean;

  constructor(
    dispatcher: Dispatcher,
    admin: AdminRoutes,
    now: () => number = Date.now,
    tls?: { readonly cert: Buffer; readonly key: Buffer },
  ) {
    this.#dispatcher = dispatcher;
    this.#admin = admin;
    this.#now = now;
    this.#secure = tls !== undefined;
    const options = { keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: 30_000 };
    const closed = (): void => {
      this.#inFlight--;
      if (this.#inFlight === 0) this.#drained?.();
    };
    const listener: RequestListener = (req, res) => {
      // A request counts until its response has been handed to the socket in full (or the socket died).
      this.#inFlight++;
      res.once("close", closed);
      // KMS calls (POST /, what every SDK sends) go straight to the dispatcher, which dates its reply.
      const kms = req.method === "POST" && req.url === "/";
      if (!kms) dated(res, this.#now, this.#draining);
      (kms ? this.#kms(req, res) : this.#route(req, res)).catch(() => {
        if (res.headersSent) return void res.destroy();
        if (kms) dated(res, this.#now, this.#draining);
        send(res, 500, JSON.stringify({ __type: "KMSInternalException", message: "" }));
      });
    };
    this.#server = tls
      ? createTlsServer({ ...options, cert: tls.cert, key: tls.key, minVersion: "TLSv1.2" }, listener)
      : createServer(options, listener);
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting connections and resolves once every in-flight response has been sent.
   * (http.Server.close() would first destroy connections whose response is still being written,
   * so listening stops through net.Server's close and connections are closed after the drain.)
   */
  async close(): Promise<void> {
    this.#draining = true;
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(this.#server, () => resolve()));
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    this.#server.closeAllConnections();
    await closed;
  }

  async #operator(req: IncomingMessage, res: ServerResponse, action: string, op: OperatorRoutes): Promise<void> {
    const body = await readBody(req);
    const reply = (status: number, value: Record<string, unknown>) => send(res, status, JSON.stringify(value), JSON_HEADERS);
    if (req.method === "GET" && action === "status") return reply(200, op.status());
    if (req.method !== "POST" || body === undefined) return reply(405, { message: "POST a JSON body" });
    if (action === "unseal") {
      let share: unknown;
      try {
        share = (JSON.parse(body.toString("utf8")) as { share?: unknown }).share;
      } catch {
        share = undefined;
      }
      if (typeof share !== "string") return reply(400, { message: 'send {"share": "<share text>"}' });
      const out = await op.unseal(share);
      return reply(out.status, out.body);
    }
    if (!isLoopback(req.socket.remoteAddress)) return reply(403, { message: "operator actions are only accepted from loopback" });
    if (action === "seal") return reply(200, await op.seal());
    if (action === "rotate-root" && op.rotateRoot) return reply(200, await op.rotateRoot());
    return reply(404, { message: `unknown operator action ${action}` });
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/healthz") return send(res, 200, '{"status":"ok"}', { "content-type": "application/json" });
    if (req.method === "GET" && path === "/readyz") {
      const r = await this.#admin.ready();
      const ok = typeof r === "boolean" ? r : r.ready;
      const body = { status: ok ? "ready" : "not ready", ...(typeof r === "boolean" ? {} : { checks: r.checks }) };
      return send(res, ok ? 200 : 503, JSON.stringify(body), JSON_HEADERS);
    }
    if (req.method === "GET" && path === "/metrics" && this.#admin.metrics !== undefined) {
      const m = await this.#admin.metrics();
      return send(res, 200, m.body, { "content-type": m.contentType });
    }
    const usage = path === undefined ? null : /^\/_trent\/keys\/([^/]{1,256})\/usage$/.exec(path);
    if (usage !== null && this.#admin.keyUsage !== undefined) {
      if (!isLoopback(req.socket.remoteAddress)) return send(res, 403, '{"message":"key usage is only served to loopback"}', JSON_HEADERS);
      if (req.method !== "GET") return send(res, 405, '{"message":"GET only"}', JSON_HEADERS);
      let keyId: string;
      try {
        keyId = decodeURIComponent(usage[1] ?? "");
      } catch {
        return send(res, 400, '{"message":"malformed key id"}', JSON_HEADERS);
      }
      const report = await this.#admin.keyUsage(keyId);
      return report === undefined
        ? send(res, 404, '{"message":"no such key"}', JSON_HEADERS)
        : send(res, 200, JSON.stringify(report), JSON_HEADERS);
    }
    if (path === "/_trent/reset" && req.method === "POST" && this.#admin.reset !== undefined) {
      if (!isLoopback(req.socket.remoteAddress)) return send(res, 403, '{"message":"reset is only accepted from loopback"}');
      await readBody(req);
      await this.#admin.reset();
      return send(res, 200, '{"reset":true}', { "content-type": "application/json" });
    }
    if (path === "/_trent/explain" && this.#admin.explain !== undefined) {
      if (!isLoopback(req.socket.remoteAddress)) return send(res, 403, '{"message":"explain is only accepted from loopback"}', JSON_HEADERS);
      const body = await readBody(req);
      if (req.method !== "POST" || body === undefined) return send(res, 405, '{"message":"POST a JSON body"}', JSON_HEADERS);
      const out = await this.#admin.explain(body);
      return send(res, out.status, JSON.stringify(out.body), JSON_HEADERS);
    }
    if (path?.startsWith("/_trent/operator/") && this.#admin.operator !== undefined) {
      return this.#operator(req, res, path.slice("/_trent/operator/".length), this.#admin.operator);
    }
    return this.#kms(req, res);
  }

  /** An AWS JSON 1.1 call (or an STS Query call): the body to its dispatcher, the answer back in one writeHead. */
  async #kms(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) {
      dated(res, this.#now, this.#draining);
      return send(res, 413, JSON.stringify({ __type: "RequestEntityTooLargeException", message: "Request body too large." }), {
        connection: "close",
      });
    }
    const raw: RawRequest = {
      method: req.method ?? "",
      url: req.url ?? "/",
      headers: req.headers,
      // Node builds headersDistinct on each read; SigV4 needs it only for a signed header holding a comma.
      get headersDistinct() {
        return req.headersDistinct;
      },
      body,
      remoteAddress: req.socket.remoteAddress ?? "",
      secure: this.#secure,
    };
    const sts = this.#admin.sts;
    const out = sts !== undefined && isStsRequest(req.headers) ? await sts(raw) : await this.#dispatcher.handle(raw);
    const headers: Record<string, string | number> = {
      "content-type": out.contentType ?? JSON_CT,
      "content-length": Buffer.byteLength(out.body),
      "x-amzn-requestid": out.requestId,
      date: httpDate(this.#now()),
    };
    if (this.#draining) headers["connection"] = "close";
    res.writeHead(out.status, headers);
    res.end(out.body);
  }
}

const JSON_HEADERS = { "content-type": "application/json" };

/** Reads the whole body, or returns undefined (and stops reading) past MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooBig = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve(tooBig ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
