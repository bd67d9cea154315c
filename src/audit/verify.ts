import { GENESIS_HASH, hashMatches, parseLine, sha256Hex, type ParsedLine } from "./hash-chain.js";
import { listSegments, readSegment, segmentName } from "./segments.js";
import { asDigestBody, digestSignatureValid, type AuditPublicKey } from "./signing-key.js";
import { AUDIT_DEFAULTS } from "./audit-log.js";

/**
 * Checks a whole audit directory: every segment present and in sequence, every line's hash, every
 * line chained to the one before (across segments), every digest signed by the audit signing key
 * and covering exactly the lines before it, and no longer run of records without a digest than
 * the writer's interval. Stops at the first problem and names it.
 *
 * Kinds of problem:
 * - edited: a line's content does not match its hash, or a line was re-hashed after an edit (the
 *   next line chains to a different hash), or a line is not a Trent audit line;
 * - removed: records missing (a gap in seq), a missing segment file, or a `gap` line (Trent saw
 *   its own segment removed or replaced while running);
 * - reordered: a record appears after records that follow it;
 * - truncated: a segment ends with an incomplete line that no `recovery` line accounts for, or
 *   records were cut from the end of a segment that is followed by another;
 * - bad-digest: a digest that is malformed, forged, does not sign the line before it, or is
 *   missing (more records between digests than the interval the writer declared).
 *
 * Limits: records cut from the very end of the newest segment, together with any digest after
 * them, leave a shorter log that is still consistent; compare `lastSeq` with a value kept
 * elsewhere (e.g. a digest exported to another system) to detect that.
 */

export type ProblemKind = "edited" | "removed" | "reordered" | "truncated" | "bad-digest";

export interface VerifyProblem {
  /** Segment file name (e.g. audit-000003.jsonl). */
  readonly file: string;
  /** 1-based line in that file (0 when the problem is a whole missing file). */
  readonly line: number;
  /** The record's seq where known, else the first missing seq. */
  readonly seq: number | undefined;
  readonly kind: ProblemKind;
  readonly detail: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Event records checked. */
  readonly records: number;
  /** All lines checked (events, intents, digests, recovery and gap lines). */
  readonly lines: number;
  readonly segments: number;
  readonly digests: number;
  readonly lastSeq: number;
  /** Event and intent lines after the last digest (not yet signed). */
  readonly unsigned: number;
  /** Things an auditor should know that are not tampering (crash recoveries, intents without outcome). */
  readonly notes: readonly string[];
  readonly firstProblem?: VerifyProblem;
}

export interface VerifyOptions {
  /** Most unsigned records tolerated at the end of the log (default: the largest interval seen, at least 1000). */
  readonly maxUnsigned?: number;
}

interface Loc {
  readonly file: string;
  readonly line: number;
  readonly seq: number;
}

class Problem extends Error {
  constructor(readonly problem: VerifyProblem) {
    super(problem.detail);
  }
}

const fail = (file: string, line: number, seq: number | undefined, kind: ProblemKind, detail: string): never => {
  throw new Problem({ file, line, seq, kind, detail });
};

const LOOKAHEAD = 10_000;

export async function verifyAuditLog(dir: string, publicKey: AuditPublicKey, options: VerifyOptions = {}): Promise<VerifyResult> {
  const segs = await listSegments(dir);
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let prevLoc: Loc | undefined;
  let lastDigestSeq = 0;
  let lastInterval: number | undefined;
  let maxInterval: number = AUDIT_DEFAULTS.digestEveryRecords;
  let sinceDigest = 0;
  let records = 0;
  let lines = 0;
  let digests = 0;
  let prevLineWasDigest = true;
  let pendingPartial: { file: string; offset: number; length: number; sha256: string } | undefined;
  const notes: string[] = [];
  const intents = new Map<string, Loc>();
  const result = (firstProblem?: VerifyProblem): VerifyResult => ({
    ok: firstProblem === undefined,
    records,
    lines,
    segments: segs.length,
    digests,
    lastSeq: expectedSeq - 1,
    unsigned: sinceDigest,
    notes,
    ...(firstProblem !== undefined ? { firstProblem } : {}),
  });

  try {
    let expectedIndex = 1;
    for (let s = 0; s < segs.length; s++) {
      const seg = segs[s]!;
      if (seg.index !== expectedIndex) {
        fail(segmentName(expectedIndex), 0, expectedSeq, "removed", `segment ${segmentName(expectedIndex)} is missing`);
      }
      expectedIndex++;
      const isLast = s === segs.length - 1;
      const split = await readSegment(seg.path);
      const parsedAhead = new Map<number, ParsedLine | undefined>();
      const parsedAt = (j: number): ParsedLine | undefined => {
        if (!parsedAhead.has(j)) parsedAhead.set(j, parseLine(split.lines[j]!.text));
        return parsedAhead.get(j);
      };

      for (let j = 0; j < split.lines.length; j++) {
        const lineNo = j + 1;
        const p = parsedAt(j);
        parsedAhead.delete(j);
        if (p === undefined) fail(seg.name, lineNo, undefined, "edited", "the line is not a Trent audit line (not JSON, or no chain member)");
        const line = p as ParsedLine;
        const { type, seq } = line.meta;
        const here: Loc = { file: seg.name, line: lineNo, seq };

        if (pendingPartial !== undefined) {
          const r = line.body["recovery"] as Record<string, unknown> | undefined;
          const matches =
            type === "recovery" &&
            r !== undefined &&
            r["segment"] === pendingPartial.file &&
            r["offset"] === pendingPartial.offset &&
            r["length"] === pendingPartial.length &&
            r["sha256"] === pendingPartial.sha256;
          if (!matches) {
            fail(pendingPartial.file, 0, expectedSeq, "truncated",
              `${pendingPartial.file} ends with an incomplete line (${pendingPartial.length} bytes at offset ${pendingPartial.offset}) that no recovery record accounts for`);
          }
          notes.push(
            `${pendingPartial.file}: an incomplete line of ${pendingPartial.length} bytes (a crash or a failed write) was recovered at seq ${seq}`,
          );
          pendingPartial = undefined;
        }

        if (!hashMatches(line)) fail(seg.name, lineNo, seq, "edited", `record seq ${seq} does not match its hash: it was edited`);

        if (seq < expectedSeq) {
          fail(seg.name, lineNo, seq, "reordered", `record seq ${seq} appears after record seq ${expectedSeq - 1}`);
        }
        if (seq > expectedSeq) {
          for (let k = j + 1; k < Math.min(split.lines.length, j + LOOKAHEAD); k++) {
            if (parsedAt(k)?.meta.seq === expectedSeq) {
              fail(seg.name, lineNo, seq, "reordered", `record seq ${seq} appears before record seq ${expectedSeq} (line ${k + 1})`);
            }
          }
          const missing = seq - 1 === expectedSeq ? `record seq ${expectedSeq} is` : `records seq ${expectedSeq}..${seq - 1} are`;
          if (j === 0 && prevLoc !== undefined && prevLoc.file !== seg.name && !prevLineWasDigest) {
            fail(prevLoc.file, prevLoc.line + 1, expectedSeq, "truncated",
              `${prevLoc.file} ends at seq ${prevLoc.seq} but the next segment starts at seq ${seq}: ${missing} cut from its end`);
          }
          fail(seg.name, lineNo, expectedSeq, "removed", `${missing} missing before this line`);
        }
        if (line.meta.prevHash !== prevHash) {
          if (prevLoc === undefined) fail(seg.name, lineNo, seq, "edited", "the first record does not start the chain");
          const at = prevLoc as Loc;
          fail(at.file, at.line, at.seq, "edited",
            `record seq ${at.seq} was changed after it was written: record seq ${seq} chains to a different hash`);
        }

        if (type === "digest") {
          const d = asDigestBody(line.body);
          if (d === undefined) fail(seg.name, lineNo, seq, "bad-digest", "the digest is malformed");
          const digest = d!;
          if (!digestSignatureValid(publicKey, digest)) {
            fail(seg.name, lineNo, seq, "bad-digest",
              digest.keyId !== publicKey.keyId
                ? `the digest names signing key ${digest.keyId}, not this data directory's key ${publicKey.keyId}`
                : "the digest's signature does not verify with the audit public key: it was forged or edited");
          }
          if (digest.toSeq !== seq - 1 || digest.lastHash !== prevHash) {
            fail(seg.name, lineNo, seq, "bad-digest", `the digest signs seq ${digest.toSeq}, not the line before it`);
          }
          if (digest.fromSeq !== lastDigestSeq + 1) {
            fail(seg.name, lineNo, seq, "bad-digest",
              `the digest covers seq ${digest.fromSeq}..${digest.toSeq} but the previous digest is at seq ${lastDigestSeq}: a digest is missing`);
          }
          const limit = Math.max(lastInterval ?? 0, digest.interval);
          if (sinceDigest > limit) {
            fail(seg.name, lineNo, seq, "bad-digest",
              `${sinceDigest} records between digests, more than the interval of ${limit}: a digest is missing`);
          }
          lastDigestSeq = seq;
          lastInterval = digest.interval;
          maxInterval = Math.max(maxInterval, digest.interval);
          sinceDigest = 0;
          digests++;
        } else if (type === "event") {
          records++;
          sinceDigest++;
          const id = line.body["requestID"];
          if (typeof id === "string") intents.delete(id);
        } else if (type === "intent") {
          sinceDigest++;
          const id = line.body["requestID"];
          if (typeof id === "string") intents.set(id, here);
        } else if (type === "gap") {
          const g = line.body["gap"] as Record<string, unknown> | undefined;
          fail(seg.name, lineNo, seq, "removed",
            `Trent found its segment ${String(g?.["segment"])} removed or replaced while running; records after seq ${String(g?.["lastSeq"])} written to it are lost`);
        } else if (type === "recovery") {
          notes.push(`${seg.name} line ${lineNo}: a recovery record with no incomplete line before it`);
        }
        lines++;
        expectedSeq = seq + 1;
        prevHash = line.meta.hash;
        prevLoc = here;
        prevLineWasDigest = type === "digest";
      }

      if (split.partial !== undefined) {
        if (isLast) {
          fail(seg.name, split.lines.length + 1, expectedSeq, "truncated",
            `${seg.name} ends with an incomplete line (${split.partial.bytes.length} bytes): Trent stopped while writing it, ` +
              "or the file was cut; Trent records the recovery when it next starts");
        }
        pendingPartial = {
          file: seg.name,
          offset: split.partial.offset,
          length: split.partial.bytes.length,
          sha256: sha256Hex(split.partial.bytes),
        };
      }
    }

    const tailLimit = options.maxUnsigned ?? maxInterval;
    if (sinceDigest > tailLimit && prevLoc !== undefined) {
      fail(prevLoc.file, prevLoc.line, prevLoc.seq, "bad-digest",
        `${sinceDigest} records after the last digest (seq ${lastDigestSeq}), more than ${tailLimit}: a digest is missing`);
    }
    if (intents.size > 0) {
      const first = [...intents.keys()].slice(0, 5).join(", ");
      notes.push(`${intents.size} intent(s) with no outcome record (the call's outcome could not be recorded): ${first}`);
    }
    return result();
  } catch (e) {
    if (e instanceof Problem) return result(e.problem);
    throw e;
  }
}
