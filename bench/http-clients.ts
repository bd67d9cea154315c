import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { CONTENT_TYPE, type Signature } from "./sigv4-signer.js";

/** One signed AWS JSON 1.1 call, ready to send. */
export interface Call {
  readonly target: string;
  readonly body: string;
  readonly signature: Signature;
}

export interface Reply {
  readonly status: number;
  readonly body: string;
}

/** A keep-alive HTTP/1.1 client carrying one request at a time per loop. */
export interface LoadClient {
  send(call: Call): Promise<Reply>;
  /** Aborts a request in flight for longer than `ms` (the watchdog calls this). */
  abortStale(now: number, ms: number): void;
  close(): void;
}

export type ClientKind = "raw" | "agent";

const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CONNECTION_CLOSE = /\r\nconnection:[ \t]*close/i;
const MAX_HEAD = 64 * 1024;

/**
 * One keep-alive TCP connection speaking HTTP/1.1 by hand: the request is one preformatted
 * write and the response parser handles only what the two servers send (Content-Length bodies).
 * It costs the load generator a fraction of what node:http's client costs, which leaves more of
 * the two shared cores to the server under test. Anything unexpected is a failure, never a guess.
 */
export class RawConnection implements LoadClient {
  readonly #host: string;
  readonly #port: number;
  readonly #hostHeader: string;
  #socket: Socket | undefined;
  #buf: Buffer | undefined;
  #headEnd = -1;
  #status = 0;
  #bodyLen = 0;
  #closeAfter = false;
  #sentAt = 0;
  #pending: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
    this.#hostHeader = `${host}:${port}`;
  }

  send(call: Call): Promise<Reply> {
    if (this.#pending !== undefined) return Promise.reject(new Error("connection busy"));
    const socket = this.#socket ?? this.#connect();
    const head =
      `POST / HTTP/1.1\r\nHost: ${this.#hostHeader}\r\nContent-Type: ${CONTENT_TYPE}\r\n` +
      `X-Amz-Target: ${call.target}\r\nX-Amz-Date: ${call.signature.amzDate}\r\n` +
      `Authorization: ${call.signature.authorization}\r\nContent-Length: ${Buffer.byteLength(call.body)}\r\n\r\n`;
    return new Promise<Reply>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#sentAt = performance.now();
      socket.write(head + call.body);
    });
  }

  abortStale(now: number, ms: number): void {
    if (this.#pending !== undefined && now - this.#sentAt > ms) this.#fail(new Error(`no response within ${ms} ms`));
  }

  close(): void {
    this.#fail(new Error("connection closed by the load generator"));
  }

  #connect(): Socket {
    const socket = connect({ host: this.#host, port: this.#port, noDelay: true });
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (e) => this.#fail(e));
    socket.on("close", () => {
      if (this.#socket === socket) this.#fail(new Error("connection closed by the server"));
    });
    this.#socket = socket;
    return socket;
  }

  #fail(e: Error): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
    this.#reset();
    const p = this.#pending;
    this.#pending = undefined;
    p?.reject(e);
  }

  #reset(): void {
    this.#buf = undefined;
    this.#headEnd = -1;
  }

  #onData(chunk: Buffer): void {
    const buf = this.#buf === undefined ? chunk : Buffer.concat([this.#buf, chunk]);
    this.#buf = buf;
    if (this.#headEnd < 0) {
      const i = buf.indexOf("\r\n\r\n");
      if (i < 0) {
        if (buf.length > MAX_HEAD) this.#fail(new Error("response head too large"));
        return;
      }
      const head = buf.toString("latin1", 0, i);
      const m = CONTENT_LENGTH.exec(head);
      if (!head.startsWith("HTTP/1.1 ") || m === null) {
        this.#fail(new Error(`unsupported response head: ${head.slice(0, 200)}`));
        return;
      }
      this.#status = Number(head.slice(9, 12));
      this.#bodyLen = Number(m[1]);
      this.#closeAfter = CONNECTION_CLOSE.test(head);
      this.#headEnd = i + 4;
    }
    const end = this.#headEnd + this.#bodyLen;
    if (buf.length < end) return;
    if (buf.length > end || this.#pending === undefined) {
      this.#fail(new Error("unexpected bytes after the response"));
      return;
    }
    const reply: Reply = { status: this.#status, body: buf.toString("utf8", this.#headEnd, end) };
    this.#reset();
    const p = this.#pending;
    this.#pending = undefined;
    if (this.#closeAfter) this.close();
    p.resolve(reply);
  }
}

/**
 * The same calls through node:http's client (http.Agent, keepAlive, maxSockets = concurrency):
 * what an application would use, but about twice the load generator's CPU per request.
 */
export class AgentClient implements LoadClient {
  readonly #agent: Agent;
  readonly #host: string;
  readonly #port: number;
  readonly #hostHeader: string;
  readonly #timeoutMs: number;

  constructor(host: string, port: number, concurrency: number, timeoutMs: number) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    this.#host = host;
    this.#port = port;
    this.#hostHeader = `${host}:${port}`;
    this.#timeoutMs = timeoutMs;
  }

  send(call: Call): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const req = request(
        {
          agent: this.#agent,
          host: this.#host,
          port: this.#port,
          method: "POST",
          path: "/",
          headers: {
            host: this.#hostHeader,
            "content-type": CONTENT_TYPE,
            "x-amz-target": call.target,
            "x-amz-date": call.signature.amzDate,
            authorization: call.signature.authorization,
            "content-length": Buffer.byteLength(call.body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.setTimeout(this.#timeoutMs, () => req.destroy(new Error(`no response within ${this.#timeoutMs} ms`)));
      req.on("error", reject);
      req.end(call.body);
    });
  }

  abortStale(): void {
    // request timeouts handle this
  }

  close(): void {
    this.#agent.destroy();
  }
}
