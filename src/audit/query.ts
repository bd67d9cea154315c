import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { CloudTrailEvent } from "./cloudtrail-record.js";
import { parseLine } from "./hash-chain.js";
import { listSegments } from "./segments.js";

/**
 * Reads CloudTrail records back from the audit directory, filtered. Only `event` lines are
 * records: intents, digests and recovery lines are skipped, and so are lines that do not parse
 * (`trent audit verify` is the tool that reports those).
 */

export interface AuditQuery {
  /** Inclusive bounds on eventTime (epoch ms). */
  readonly from?: number;
  readonly to?: number;
  /** Key id, key ARN or alias name: matches the record's resources and key parameters. */
  readonly key?: string;
  /** Principal ARN (userIdentity.arn). */
  readonly principal?: string;
  readonly eventName?: string;
  readonly errorCode?: string;
}

export interface QueriedEvent {
  readonly seq: number;
  readonly event: CloudTrailEvent;
}

function keyCandidates(e: CloudTrailEvent): string[] {
  const out: string[] = [];
  for (const r of e.resources ?? []) out.push(r.ARN);
  const add = (o: unknown, names: readonly string[]): void => {
    if (typeof o !== "object" || o === null) return;
    for (const n of names) {
      const v = (o as Record<string, unknown>)[n];
      if (typeof v === "string") out.push(v);
    }
  };
  add(e.requestParameters, ["keyId", "targetKeyId", "sourceKeyId", "destinationKeyId", "aliasName"]);
  add(e.responseElements, ["keyId"]);
  add((e.responseElements as Record<string, unknown> | null)?.["keyMetadata"], ["keyId", "arn"]);
  add(e.serviceEventDetails, ["keyId"]);
  return out;
}

/** A key id, key ARN or alias: equal, or the same key named once by id and once by ARN. */
export function sameKey(a: string, b: string): boolean {
  if (a === b) return true;
  const id = (s: string): string => {
    const i = s.indexOf(":key/");
    return i >= 0 ? s.slice(i + 5) : s;
  };
  const aliasName = (s: string): string => {
    const i = s.indexOf(":alias/");
    return i >= 0 ? s.slice(i + 1) : s;
  };
  return id(a) === id(b) || aliasName(a) === aliasName(b);
}

export function matches(e: CloudTrailEvent, q: AuditQuery): boolean {
  if (q.eventName !== undefined && e.eventName !== q.eventName) return false;
  if (q.errorCode !== undefined && e.errorCode !== q.errorCode) return false;
  if (q.principal !== undefined && e.userIdentity.arn !== q.principal) return false;
  if (q.from !== undefined || q.to !== undefined) {
    const t = Date.parse(e.eventTime);
    if (q.from !== undefined && !(t >= q.from)) return false;
    if (q.to !== undefined && !(t <= q.to)) return false;
  }
  if (q.key !== undefined) {
    const k = q.key;
    if (!keyCandidates(e).some((c) => sameKey(c, k))) return false;
  }
  return true;
}

/** Matching records in log order. */
export async function* queryAuditLog(dir: string, q: AuditQuery = {}): AsyncGenerator<QueriedEvent> {
  for (const seg of await listSegments(dir)) {
    const rl = createInterface({ input: createReadStream(seg.path), crlfDelay: Infinity });
    for await (const text of rl) {
      if (text.length === 0) continue;
      const p = parseLine(text);
      if (p === undefined || p.meta.type !== "event") continue;
      const event = p.body as unknown as CloudTrailEvent;
      if (typeof event.eventName !== "string" || typeof event.eventTime !== "string") continue;
      if (matches(event, q)) yield { seq: p.meta.seq, event };
    }
  }
}

/** CloudTrail's member order (the log stores members sorted; output restores the familiar order). */
const CLOUDTRAIL_ORDER = [
  "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
  "errorCode", "errorMessage", "requestParameters", "responseElements", "additionalEventData", "requestID", "eventID",
  "readOnly", "resources", "eventType", "managementEvent", "recipientAccountId", "serviceEventDetails", "eventCategory",
];

/** One JSON line per record: the CloudTrail event, in CloudTrail's member order, without the chain member. */
export function formatJsonLine(e: QueriedEvent): string {
  const ev = e.event as unknown as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const k of CLOUDTRAIL_ORDER) if (k in ev) ordered[k] = ev[k];
  for (const k of Object.keys(ev)) if (!(k in ordered)) ordered[k] = ev[k];
  return JSON.stringify(ordered);
}

const COLUMNS = ["seq", "eventTime", "eventName", "principal", "key", "errorCode", "sourceIP", "requestID"] as const;

function cells(e: QueriedEvent): string[] {
  const ev = e.event;
  const key = ev.resources?.[0]?.ARN ?? keyCandidates(ev)[0] ?? "";
  const principal = ev.userIdentity.arn ?? (ev.userIdentity.invokedBy !== undefined ? `(${ev.userIdentity.invokedBy})` : "-");
  return [String(e.seq), ev.eventTime, ev.eventName, principal, key, ev.errorCode ?? "", ev.sourceIPAddress, ev.requestID ?? ""];
}

/** A plain-text table with a header row; columns padded to their widest cell. */
export function formatTable(events: readonly QueriedEvent[]): string {
  const rows = [COLUMNS.map(String), ...events.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n") + "\n";
}
