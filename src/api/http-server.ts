import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Server as NetServer, type AddressInfo } from "node:net";
import type { Dispatcher } from "./dispatcher.js";

/** Largest request body accepted. AWS KMS requests are small; the largest is a 32 KB policy. */
export const MAX_BODY_BYTES = 512 * 1024;

export interface AdminRoutes {
  /** Dev mode only: wipe every key, alias and policy. Absent in production. */
  readonly reset?: () => Promise<void>;
  readonly ready: () => Promise<boolean>;
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

/** The Date header comes from the service clock, so SDK clock-skew correction agrees with SigV4. */
function dated(res: ServerResponse, now: () => number, draining: boolean): void {
  res.setHeader("date", new Date(now()).toUTCString());
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

  constructor(dispatcher: Dispatcher, admin: AdminRoutes, now: () => number = Date.now) {
    this.#dispatcher = dispatcher;
    this.#admin = admin;
    this.#now = now;
    this.#server = createServer({ keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: 30_000 }, (req, res) => {
      // A request counts until its response has been handed to the socket in full (or the socket died).
      this.#inFlight++;
      res.once("close", () => {
        this.#inFlight--;
        if (this.#inFlight === 0) this.#drained?.();
      });
      dated(res, this.#now, this.#draining);
      this.#route(req, res).catch(() => {
        if (!res.headersSent) send(res, 500, JSON.stringify({ __type: "KMSInternalException", message: "" }));
        else res.destroy();
      });
    });
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

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/healthz") return send(res, 200, '{"status":"ok"}', { "content-type": "application/json" });
    if (req.method === "GET" && path === "/readyz") {
      const ok = await this.#admin.ready();
      return send(res, ok ? 200 : 503, JSON.stringify({ status: ok ? "ready" : "not ready" }), { "content-type": "application/json" });
    }
    if (path === "/_trent/reset" && req.method === "POST" && this.#admin.reset !== undefined) {
      if (!isLoopback(req.socket.remoteAddress)) return send(res, 403, '{"message":"reset is only accepted from loopback"}');
      await readBody(req);
      await this.#admin.reset();
      return send(res, 200, '{"reset":true}', { "content-type": "application/json" });
    }
    const body = await readBody(req);
    if (body === undefined) {
      return send(res, 413, JSON.stringify({ __type: "RequestEntityTooLargeException", message: "Request body too large." }), {
        connection: "close",
      });
    }
    const out = await this.#dispatcher.handle({
      method: req.method ?? "",
      url: req.url ?? "/",
      headers: req.headers,
      headersDistinct: req.headersDistinct,
      body,
      remoteAddress: req.socket.remoteAddress ?? "",
      secure: false,
    });
    send(res, out.status, out.body, { "x-amzn-requestid": out.requestId, ...(out.contentType ? { "content-type": out.contentType } : {}) });
  }
}

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
