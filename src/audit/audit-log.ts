import { constants } from "node:fs";
import { mkdir, open, readFile, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { eventTimeOf, type CloudTrailEvent } from "./cloudtrail-record.js";
import { GENESIS, buildLine, buildLineFromCanonical, canonicalJson, parseLine, sha256Hex, type BuiltLine, type ChainHead, type LineType, type ParsedLine } from "./hash-chain.js";
import { listSegments, segmentName, splitSegment, type SegmentFile } from "./segments.js";
import { signDigest, type AuditSigner } from "./signing-key.js";

/**
 * The append-only, hash-chained audit log: JSON Lines in `<dataDir>/audit/audit-NNNNNN.jsonl`,
 * rolled by size, the chain continuing across files and restarts (hash-chain.ts has the line
 * format). Every `digestEveryRecords` event/intent lines, every `digestEveryMs`, before a roll
 * and at close, a digest line signs the chain head with the audit signing key.
 *
 * Group commit: `append` queues; one flush writes every queued line with one write and one
 * fdatasync, then settles their promises. With `durable: true` (production) `append` resolves
 * only after its line is on disk; with `durable: false` (dev) it resolves at once and the line is
 * flushed within `bufferMs` or when `bufferRecords` are queued (a crash may lose that window).
 *
 * Each flush opens the segment without O_CREAT and checks it is still the file Trent created and
 * has the length Trent wrote: a removed or replaced directory or file, or a full disk, fails the
 * flush. Any failure puts the log in a failed state: `healthy()` is false and every append
 * rejects with AuditUnavailableError until `reopen()` succeeds (production answers requests with
 * KMSInternalException meanwhile: fail closed).
 *
 * Crash recovery (at open) and `reopen()` never rewrite a byte already on disk:
 * - an incomplete last line (a crash or a failed write; never an acknowledged record) is left in
 *   place; the chain continues from the last complete line in a NEW segment whose first line is a
 *   `recovery` line naming the file, offset, length and SHA-256 of those bytes, so `verify` can
 *   tell them from tampering;
 * - a log whose last line is not a digest gets one at once, so that what the crashed run wrote is
 *   signed too;
 * - if Trent's own segment was removed or replaced while it ran, `reopen()` continues the chain
 *   from its in-memory head in a new segment, after a `gap` line saying what it found; `verify`
 *   reports the loss.
 */

export interface AuditLogOptions {
  /** The audit directory (`<dataDir>/audit`); created when absent. */
  readonly dir: string;
  readonly signer: AuditSigner;
  /** Production: append resolves after fdatasync. Dev: append resolves at once. */
  readonly durable: boolean;
  /** Roll to a new segment before it would exceed this many bytes (default 64 MiB). */
  readonly maxSegmentBytes?: number;
  /** A digest after at most this many event/intent lines (default 1000). */
  readonly digestEveryRecords?: number;
  /** A digest at least this often while lines are being written (default 60 s; 0 disables). */
  readonly digestEveryMs?: number;
  /** Dev mode: the longest a record waits in memory (default 200 ms). */
  readonly bufferMs?: number;
  /** Dev mode: flush at once when this many records are queued (default 1000). */
  readonly bufferRecords?: number;
  readonly now?: () => number;
  /** Recovery notes and failures, for the operator's log; never record content. */
  readonly onNotice?: (message: string) => void;
  /** Makes written bytes durable (default FileHandle.datasync()); injectable for tests. */
  readonly sync?: (fh: FileHandle) => Promise<void>;
}

export const AUDIT_DEFAULTS = {
  maxSegmentBytes: 64 * 1024 * 1024,
  digestEveryRecords: 1000,
  digestEveryMs: 60_000,
  bufferMs: 200,
  bufferRecords: 1000,
} as const;

/** The log cannot take records: the dispatcher answers KMSInternalException. */
export class AuditUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AuditUnavailableError";
  }
}

/** The log on disk cannot be continued safely (its last complete line is not a Trent audit line). */
export class AuditLogCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuditLogCorruptError";
  }
}

export interface AuditLogStats {
  readonly seq: number;
  readonly segment: number;
  /** Lines written by this process, by type. */
  readonly events: number;
  readonly intents: number;
  readonly digests: number;
  /** Flush batches and fdatasync calls made by this process. */
  readonly batches: number;
  readonly syncs: number;
}

type EntryKind = "event" | "intent" | "recovery" | "gap" | "digest";

interface Entry {
  readonly kind: EntryKind;
  /** The body's canonical JSON (every kind but digest). Only the text is queued: the record object can go at once. */
  readonly canonical?: string;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

interface ChainState {
  readonly head: ChainHead;
  /** Seq of the last digest line (0: none yet). */
  readonly lastDigestSeq: number;
  /** Event and intent lines since that digest. */
  readonly sinceDigest: number;
}

interface Chunk {
  texts: string[];
  bytes: number;
  digests: number;
  entries: Entry[];
}

const newChunk = (): Chunk => ({ texts: [], bytes: 0, digests: 0, entries: [] });

const MAX_BATCH = 4096;
const noop = (): void => undefined;

export class AuditLog {
  readonly #dir: string;
  readonly #signer: AuditSigner;
  readonly #durable: boolean;
  readonly #maxSegmentBytes: number;
  readonly #digestEvery: number;
  readonly #digestEveryMs: number;
  readonly #bufferMs: number;
  readonly #bufferRecords: number;
  readonly #now: () => number;
  readonly #notice: (message: string) => void;
  readonly #sync: (fh: FileHandle) => Promise<void>;

  // Segment being written.
  #segIndex = 0;
  #ino = -1;
  /** Bytes of the segment known written and synced. */
  #offset = 0;
  /** The next write must go to a new segment (recovery, gap). */
  #mustRoll = false;

  /** Chain state as lines are built (ahead of the disk during a flush). */
  #work: ChainState = { head: GENESIS, lastDigestSeq: 0, sinceDigest: 0 };
  /** Chain state as of the last synced line. */
  #committed: ChainState = this.#work;

  #queue: Entry[] = [];
  #flushing: Promise<void> | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #bufferTimer: NodeJS.Timeout | undefined;
  #digestTimer: NodeJS.Timeout | undefined;
  #failed: Error | undefined;
  /** reopen() is checking the disk: appends are refused and nothing is scheduled. */
  #recovering = false;
  #closed = false;
  #stats = { events: 0, intents: 0, digests: 0, batches: 0, syncs: 0 };

  private constructor(o: AuditLogOptions) {
    this.#dir = o.dir;
    this.#signer = o.signer;
    this.#durable = o.durable;
    this.#maxSegmentBytes = o.maxSegmentBytes ?? AUDIT_DEFAULTS.maxSegmentBytes;
    this.#digestEvery = Math.max(1, o.digestEveryRecords ?? AUDIT_DEFAULTS.digestEveryRecords);
    this.#digestEveryMs = o.digestEveryMs ?? AUDIT_DEFAULTS.digestEveryMs;
    this.#bufferMs = o.bufferMs ?? AUDIT_DEFAULTS.bufferMs;
    this.#bufferRecords = Math.max(1, o.bufferRecords ?? AUDIT_DEFAULTS.bufferRecords);
    this.#now = o.now ?? Date.now;
    this.#notice = o.onNotice ?? noop;
    this.#sync = o.sync ?? ((fh) => fh.datasync());
  }

  /** Opens (or creates) the log in `options.dir`, recovering after a crash; durable when it resolves. */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const log = new AuditLog(options);
    await log.#recoverAtOpen();
    if (log.#failed !== undefined) throw log.#failed;
    if (log.#digestEveryMs > 0) {
      log.#digestTimer = setInterval(() => log.#timedDigest(), log.#digestEveryMs);
      log.#digestTimer.unref();
    }
    return log;
  }

  /** Whether appends are accepted. */
  healthy(): boolean {
    return this.#failed === undefined && !this.#closed && !this.#recovering;
  }

  stats(): AuditLogStats {
    return { ...this.#stats, seq: this.#work.head.seq, segment: this.#segIndex };
  }

  /** Appends one CloudTrail record (see the class comment for when the promise resolves). */
  append(event: CloudTrailEvent): Promise<void> {
    return this.#enqueue("event", event as unknown as Readonly<Record<string, unknown>>);
  }

  /**
   * Write-ahead line before a state-changing call (production): the attempt is on the log even
   * if its outcome record cannot be written. Queries ignore intents.
   */
  intent(requestId: string, eventName: string): Promise<void> {
    return this.#enqueue("intent", { requestID: requestId, eventName, eventTime: eventTimeOf(this.#now()) });
  }

  /** Writes everything queued now; resolves when it is on disk. */
  async flush(): Promise<void> {
    this.#clearFlushTimers();
    await this.#flush();
    if (this.#failed !== undefined) throw this.#unavailable();
  }

  /**
   * Leaves the failed state once the log can be written again. Resolves when the log accepts
   * records; rejects (and stays failed) while it cannot.
   *
   * If the segment being written is gone or was replaced (the directory moved or wiped, the file
   * deleted), reopen refuses unless `allowGap` is set: then the chain continues from Trent's
   * in-memory head in a new segment after a `gap` line, and `verify` reports the lost records.
   * A retry loop should call reopen() plain (it recovers from transient failures such as a full
   * disk); `allowGap` is an operator's decision.
   */
  async reopen(options: { readonly allowGap?: boolean } = {}): Promise<void> {
    if (this.#closed) throw new AuditUnavailableError("the audit log is closed");
    if (this.#failed === undefined) return;
    await this.#flushing?.catch(noop);
    await this.#recoverAfterFailure(options.allowGap === true);
    if (this.#failed !== undefined) throw this.#unavailable();
  }

  /** Flushes, signs what is unsigned, and stops. Later appends reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#digestTimer !== undefined) clearInterval(this.#digestTimer);
    this.#clearFlushTimers();
    if (this.#failed === undefined) {
      this.#queue.push({ kind: "digest", resolve: noop, reject: noop });
      await this.#flush();
    }
    this.#closed = true;
    for (const e of this.#queue.splice(0)) e.reject(this.#unavailable());
  }

  // ---------------------------------------------------------------------------------------------

  #unavailable(): AuditUnavailableError {
    if (this.#closed) return new AuditUnavailableError("the audit log is closed");
    if (this.#recovering) return new AuditUnavailableError("the audit log is being reopened");
    return new AuditUnavailableError(`the audit log cannot be written: ${this.#failed?.message ?? "unknown error"}`, {
      cause: this.#failed,
    });
  }

  #enqueue(kind: "event" | "intent", body: Readonly<Record<string, unknown>>): Promise<void> {
    if (!this.healthy()) return Promise.reject(this.#unavailable());
    // Serialising here refuses a record that JSON cannot carry (or a secret holder) at the caller.
    let canonical: string;
    try {
      if (Object.prototype.hasOwnProperty.call(body, "trent")) throw new TypeError("a record body must not have a trent member");
      canonical = canonicalJson(body);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    if (this.#durable) {
      return new Promise<void>((resolve, reject) => {
        this.#queue.push({ kind, canonical, resolve, reject });
        this.#schedule();
      });
    }
    this.#queue.push({ kind, canonical, resolve: noop, reject: noop });
    this.#schedule();
    return Promise.resolve();
  }

  #schedule(): void {
    if (this.#flushing !== undefined || this.#recovering) return; // a running flush loops until the queue is empty
    if (this.#durable || this.#queue.length >= this.#bufferRecords) {
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        void this.#flush();
      });
      return;
    }
    if (this.#bufferTimer === undefined) {
      this.#bufferTimer = setTimeout(() => {
        this.#bufferTimer = undefined;
        void this.#flush();
      }, this.#bufferMs);
      this.#bufferTimer.unref();
    }
  }

  #clearFlushTimers(): void {
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    if (this.#bufferTimer !== undefined) clearTimeout(this.#bufferTimer);
    this.#immediate = undefined;
    this.#bufferTimer = undefined;
  }

  #timedDigest(): void {
    if (!this.healthy() || this.#work.head.seq === this.#work.lastDigestSeq) return;
    this.#queue.push({ kind: "digest", resolve: noop, reject: noop });
    this.#schedule();
  }

  #flush(): Promise<void> {
    if (this.#flushing !== undefined) return this.#flushing;
    const run = async (): Promise<void> => {
      while (this.#queue.length > 0 && this.#failed === undefined) {
        await this.#writeBatch(this.#queue.splice(0, MAX_BATCH));
      }
      if (this.#failed !== undefined) for (const e of this.#queue.splice(0)) e.reject(this.#unavailable());
    };
    this.#flushing = run().finally(() => {
      this.#flushing = undefined;
      // Appends made by continuations of this flush's settled promises, after its last look.
      if (this.#queue.length > 0 && this.healthy()) this.#schedule();
    });
    return this.#flushing;
  }

  #fail(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    if (this.#failed === undefined) this.#notice(`audit log failed, refusing records until reopened: ${err.message}`);
    this.#failed = err;
  }

  #build(e: Entry): BuiltLine {
    if (e.canonical === undefined) throw new Error("entry without a body");
    return buildLineFromCanonical(e.kind as LineType, e.canonical, this.#work.head);
  }

  #add(chunk: Chunk, line: BuiltLine, entry: Entry | undefined): void {
    chunk.texts.push(line.text);
    chunk.bytes += Buffer.byteLength(line.text);
    if (line.meta.type === "digest") chunk.digests++;
    const counts = line.meta.type === "event" || line.meta.type === "intent";
    this.#work = {
      head: { seq: line.meta.seq, hash: line.meta.hash },
      lastDigestSeq: line.meta.type === "digest" ? line.meta.seq : this.#work.lastDigestSeq,
      sinceDigest: line.meta.type === "digest" ? 0 : this.#work.sinceDigest + (counts ? 1 : 0),
    };
    if (entry !== undefined) chunk.entries.push(entry);
  }

  /** Adds a digest line signing the head, unless the head is already signed. */
  #addDigest(chunk: Chunk): void {
    const w = this.#work;
    if (w.head.seq === w.lastDigestSeq || w.head.seq === 0) return;
    const digest = signDigest(this.#signer, {
      fromSeq: w.lastDigestSeq + 1,
      toSeq: w.head.seq,
      lastHash: w.head.hash,
      signedAt: eventTimeOf(this.#now()),
      interval: this.#digestEvery,
    });
    this.#add(chunk, buildLine("digest", { digest }, w.head), undefined);
  }

  async #writeBatch(batch: Entry[]): Promise<void> {
    let chunk = newChunk();
    let settled = 0;
    try {
      if (this.#mustRoll) await this.#roll();
      for (const e of batch) {
        if (e.kind === "digest") {
          this.#addDigest(chunk);
          chunk.entries.push(e);
          continue;
        }
        let line = this.#build(e);
        const size = Buffer.byteLength(line.text);
        if (this.#offset + chunk.bytes + size > this.#maxSegmentBytes && this.#offset + chunk.bytes > 0) {
          this.#addDigest(chunk); // a full segment ends signed
          await this.#commit(chunk);
          settled += chunk.entries.length;
          chunk = newChunk();
          await this.#roll();
          line = this.#build(e);
        }
        this.#add(chunk, line, e);
        if (e.kind === "event") this.#stats.events++;
        if (e.kind === "intent") this.#stats.intents++;
        if (this.#work.sinceDigest >= this.#digestEvery) this.#addDigest(chunk);
      }
      await this.#commit(chunk);
    } catch (err) {
      this.#fail(err);
      for (const e of batch.slice(settled)) e.reject(this.#unavailable());
    }
  }

  /** Writes a chunk to the current segment, syncs it, then settles its entries. */
  async #commit(chunk: Chunk): Promise<void> {
    if (chunk.texts.length === 0) {
      for (const e of chunk.entries) e.resolve();
      return;
    }
    const buf = Buffer.from(chunk.texts.join(""), "utf8");
    const path = join(this.#dir, segmentName(this.#segIndex));
    // No O_CREAT: a removed file or directory fails here instead of starting a history-less file.
    const fh = await open(path, constants.O_WRONLY | constants.O_APPEND);
    try {
      const st = await fh.stat();
      if (st.ino !== this.#ino) throw new Error(`${segmentName(this.#segIndex)} was replaced`);
      if (st.size !== this.#offset) {
        throw new Error(`${segmentName(this.#segIndex)} was modified (${st.size} bytes, expected ${this.#offset})`);
      }
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await fh.write(buf, off, buf.length - off);
        if (bytesWritten <= 0) throw new Error("short write");
        off += bytesWritten;
      }
      await this.#sync(fh);
      this.#stats.syncs++;
    } finally {
      await fh.close();
    }
    this.#stats.batches++;
    this.#stats.digests += chunk.digests;
    this.#offset += buf.length;
    this.#committed = this.#work;
    for (const e of chunk.entries) e.resolve();
  }

  /** Creates the next segment (exclusively) and makes its directory entry durable. */
  async #roll(): Promise<void> {
    const index = this.#segIndex + 1;
    const path = join(this.#dir, segmentName(index));
    const fh = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL, 0o600);
    let ino: number;
    try {
      ino = (await fh.stat()).ino;
      await fh.sync();
    } finally {
      await fh.close();
    }
    await syncDir(this.#dir);
    this.#segIndex = index;
    this.#ino = ino;
    this.#offset = 0;
    this.#mustRoll = false;
  }

  /** Writes recovery, gap and digest lines directly (no appends can be queued meanwhile). */
  async #writeNow(entries: { kind: EntryKind; body?: Readonly<Record<string, unknown>> }[]): Promise<void> {
    await this.#writeBatch(
      entries.map((e) => ({ kind: e.kind, ...(e.body !== undefined ? { canonical: canonicalJson(e.body) } : {}), resolve: noop, reject: noop })),
    );
  }

  async #recoverAtOpen(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const segs = await listSegments(this.#dir);
    const last = segs[segs.length - 1];
    if (last === undefined) {
      this.#segIndex = 0;
      await this.#roll();
      return;
    }
    const st = await stat(last.path);
    this.#segIndex = last.index;
    this.#ino = st.ino;
    // Fast path (a clean shutdown): the last line is a digest; only the file's tail is read.
    const signed = await lastLineIfDigest(last.path, st.size);
    if (signed !== undefined) {
      this.#offset = st.size;
      this.#work = this.#committed = { head: { seq: signed.meta.seq, hash: signed.meta.hash }, lastDigestSeq: signed.meta.seq, sinceDigest: 0 };
      return;
    }
    const buf = await readFile(last.path);
    const split = splitSegment(buf);
    this.#offset = buf.length;
    const state = await this.#chainStateAt(segs, split);
    this.#work = state;
    this.#committed = state;
    const entries: { kind: EntryKind; body?: Readonly<Record<string, unknown>> }[] = [];
    if (split.partial !== undefined) {
      this.#notice(
        `audit log: ${last.name} ends with an incomplete line (${split.partial.bytes.length} bytes, a crash while writing); ` +
          `it is kept as is and the chain continues from seq ${state.head.seq} in the next segment`,
      );
      this.#mustRoll = true;
      entries.push({ kind: "recovery", body: { recovery: incompleteLine(last.name, split.partial) } });
    }
    if (state.head.seq !== state.lastDigestSeq) {
      if (split.partial === undefined) this.#notice(`audit log: signing ${state.head.seq - state.lastDigestSeq} lines left unsigned by the previous run`);
      entries.push({ kind: "digest" });
    }
    if (entries.length > 0) await this.#writeNow(entries);
  }

  /**
   * Chain state at the end of the last segment (whose content is `split`): the last complete
   * line, the last digest before it and the event/intent lines after that digest. Earlier
   * segments are read only when the last one does not contain them.
   */
  async #chainStateAt(segs: readonly SegmentFile[], split: ReturnType<typeof splitSegment>): Promise<ChainState> {
    let head: ChainHead | undefined;
    let sinceDigest = 0;
    for (let i = segs.length - 1; i >= 0; i--) {
      const seg = segs[i] as SegmentFile;
      const lines = i === segs.length - 1 ? split.lines : (await readSegmentLines(seg.path)).lines;
      for (let j = lines.length - 1; j >= 0; j--) {
        const text = (lines[j] as { text: string }).text;
        const parsed: ParsedLine | undefined = parseLine(text);
        if (parsed === undefined) {
          throw new AuditLogCorruptError(
            `${seg.name} line ${j + 1} is not a Trent audit line; run \`trent audit verify\` before starting Trent`,
          );
        }
        head ??= { seq: parsed.meta.seq, hash: parsed.meta.hash };
        if (parsed.meta.type === "digest") return { head, lastDigestSeq: parsed.meta.seq, sinceDigest };
        if (parsed.meta.type === "event" || parsed.meta.type === "intent") sinceDigest++;
      }
    }
    return { head: head ?? GENESIS, lastDigestSeq: 0, sinceDigest };
  }

  async #recoverAfterFailure(allowGap: boolean): Promise<void> {
    // Start again from what is known to be on disk.
    this.#work = this.#committed;
    const failedBecause = this.#failed;
    this.#recovering = true;
    this.#failed = undefined;
    const entries: { kind: EntryKind; body?: Readonly<Record<string, unknown>> }[] = [];
    try {
      const current = segmentName(this.#segIndex);
      const path = join(this.#dir, current);
      const st = await stat(path).catch(() => undefined);
      if (st !== undefined && st.ino === this.#ino && st.size >= this.#offset) {
        if (st.size > this.#offset) {
          // Part of the failed batch reached the disk: keep its complete lines that chain on.
          const extra = (await readFile(path)).subarray(this.#offset);
          const split = splitSegment(extra);
          let consumed = 0;
          for (const { text } of split.lines) {
            const p = parseLine(text);
            if (p === undefined || p.meta.seq !== this.#work.head.seq + 1 || p.meta.prevHash !== this.#work.head.hash) break;
            this.#add(newChunk(), { meta: p.meta, text: "" }, undefined);
            consumed += Buffer.byteLength(text) + 1;
          }
          this.#offset += consumed;
          this.#committed = this.#work;
          if (consumed < extra.length) {
            this.#mustRoll = true;
            entries.push({
              kind: "recovery",
              body: { recovery: incompleteLine(current, { offset: this.#offset, bytes: extra.subarray(consumed) }) },
            });
          }
        }
      } else {
        if (!allowGap) {
          throw new Error(`${current} is missing or was replaced (${failedBecause?.message ?? ""}); restore it, or reopen with allowGap`);
        }
        await mkdir(this.#dir, { recursive: true, mode: 0o700 });
        const segs = await listSegments(this.#dir);
        this.#segIndex = Math.max(this.#segIndex, ...segs.map((s) => s.index));
        this.#mustRoll = true;
        entries.push({
          kind: "gap",
          body: {
            gap: {
              reason: `${current} was removed or replaced while Trent was writing it (${failedBecause?.message ?? ""})`,
              segment: current,
              lastSeq: this.#work.head.seq,
              lastHash: this.#work.head.hash,
            },
          },
        });
        this.#notice(`audit log: ${current} was removed or replaced; continuing the chain in a new segment`);
      }
      entries.push({ kind: "digest" });
      await this.#writeNow(entries);
    } catch (e) {
      this.#fail(e);
    } finally {
      this.#recovering = false;
    }
  }
}

function incompleteLine(segment: string, partial: { offset: number; bytes: Buffer }): Record<string, unknown> {
  return { segment, offset: partial.offset, length: partial.bytes.length, sha256: sha256Hex(partial.bytes) };
}

const TAIL_BYTES = 64 * 1024;

/** The file's last line when the file ends with a complete digest line, read from its tail only. */
async function lastLineIfDigest(path: string, size: number): Promise<ParsedLine | undefined> {
  if (size === 0) return undefined;
  const len = Math.min(size, TAIL_BYTES);
  const fh = await open(path, "r");
  let tail: Buffer;
  try {
    tail = Buffer.alloc(len);
    const { bytesRead } = await fh.read(tail, 0, len, size - len);
    tail = tail.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (tail.length === 0 || tail[tail.length - 1] !== 0x0a) return undefined;
  const start = tail.lastIndexOf(0x0a, tail.length - 2);
  if (start < 0 && len < size) return undefined; // a line longer than the tail: take the slow path
  const p = parseLine(tail.toString("utf8", start + 1, tail.length - 1));
  return p?.meta.type === "digest" ? p : undefined;
}

async function readSegmentLines(path: string): Promise<ReturnType<typeof splitSegment>> {
  return splitSegment(await readFile(path));
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
