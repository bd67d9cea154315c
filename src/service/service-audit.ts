import { hash } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { AuditSink, CallOutcome } from "../api/dispatcher.js";
import { cloudTrailRecord, openAuditLog, serviceEvent, type AuditLog, type ServiceEventInput } from "../audit/index.js";
import type { Keystore } from "../keystore/keystore.js";

/**
 * The eventID of a call's audit record, derived from its request id (a UUID in the shape of
 * version 8: SHA-256 of the request id), so that GetKeyLastUsage can name the record of a key's
 * last use (CloudTrailEventId) without keeping a table of event ids.
 */
export function auditEventId(requestId: string): string {
  const h = hash("sha256", `trent/audit-event-id/${requestId}`, "buffer");
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x80;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.toString("hex", 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function recordOf(call: CallOutcome) {
  return cloudTrailRecord(call, { eventId: () => auditEventId(call.requestId) });
}

/** Calls answered while the root was sealed, kept until the log can be opened. */
const MAX_PENDING = 10_000;

/**
 * The service's audit trail. The log's signing key is wrapped under the root, so a sealed root
 * delays opening the log until the unseal; calls refused meanwhile are kept (bounded) and written
 * first. In durable mode (production) a call is answered only once its record is on disk.
 */
export class ServiceAudit implements AuditSink {
  readonly durable: boolean;
  readonly #dataDir: string;
  readonly #now: () => number;
  readonly #notice: (message: string) => void;
  readonly #observeAppend: ((seconds: number, ok: boolean) => void) | undefined;
  #log: AuditLog | undefined;
  #opening: Promise<void> | undefined;
  #pending: CallOutcome[] = [];
  #dropped = 0;

  constructor(opts: {
    dataDir: string;
    durable: boolean;
    now: () => number;
    notice: (message: string) => void;
    /** Told how long each record's append took to resolve (metrics). */
    observeAppend?: (seconds: number, ok: boolean) => void;
  }) {
    this.durable = opts.durable;
    this.#observeAppend = opts.observeAppend;
    this.#dataDir = opts.dataDir;
    this.#now = opts.now;
    this.#notice = opts.notice;
  }

  get active(): boolean {
    return this.#log !== undefined;
  }

  /** Opens the log (the keystore must be unsealed) and writes what waited for it. Idempotent. */
  activate(keystore: Keystore): Promise<void> {
    this.#opening ??= (async () => {
      const log = await openAuditLog({
        dataDir: this.#dataDir,
        keystore,
        durable: this.durable,
        now: this.#now,
        onNotice: this.#notice,
      });
      const pending = this.#pending;
      this.#pending = [];
      for (const call of pending) await log.append(recordOf(call));
      if (this.#dropped > 0) this.#notice(`${this.#dropped} calls answered while sealed were not recorded (buffer full)`);
      this.#log = log;
    })().catch((e: unknown) => {
      this.#opening = undefined;
      throw e;
    });
    return this.#opening;
  }

  healthy(): boolean {
    return this.#log === undefined ? !this.durable || this.#opening === undefined : this.#log.healthy();
  }

  async intent(requestId: string, operation: string): Promise<void> {
    if (this.#log === undefined) throw new Error("audit log not open");
    await this.#log.intent(requestId, operation);
  }

  async record(call: CallOutcome): Promise<void> {
    if (this.#log !== undefined) {
      const observe = this.#observeAppend;
      if (observe === undefined) return this.#log.append(recordOf(call));
      const started = performance.now();
      return this.#log.append(recordOf(call)).then(
        () => observe((performance.now() - started) / 1000, true),
        (e: unknown) => {
          observe((performance.now() - started) / 1000, false);
          throw e;
        },
      );
    }
    if (this.#pending.length < MAX_PENDING) this.#pending.push(call);
    else this.#dropped++;
  }

  async serviceEvent(e: ServiceEventInput): Promise<void> {
    if (this.#log !== undefined) await this.#log.append(serviceEvent(e));
  }

  async close(): Promise<void> {
    await this.#opening?.catch(() => undefined);
    await this.#log?.close();
  }
}
