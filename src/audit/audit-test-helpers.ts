import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Caller } from "../policy/authorizer.js";
import { AuditLog, type AuditLogOptions } from "./audit-log.js";
import { cloudTrailRecord, type CloudTrailEvent } from "./cloudtrail-record.js";
import { GENESIS, buildLine, parseLine, type ChainHead } from "./hash-chain.js";
import { listSegments } from "./segments.js";
import { ephemeralAuditSigner, type AuditSigner } from "./signing-key.js";

/** Shared by the audit tests only. */

export const ACCOUNT = "111122223333";
export const KEY_IDS = [
  "1234abcd-12ab-34cd-56ef-1234567890ab",
  "0987dcba-09fe-87dc-65ba-ab0987654321",
  "11111111-2222-3333-4444-555555555555",
] as const;
export const keyArnOf = (id: string): string => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`;

export const ALICE: Caller = {
  accountId: ACCOUNT,
  region: "us-east-1",
  principalArn: `arn:aws:iam::${ACCOUNT}:user/Alice`,
  principalId: "AIDAALICE",
  principalType: "IAMUser",
  accessKeyId: "AKIAALICE",
  sourceIp: "127.0.0.1",
  userAgent: "test",
  secureTransport: false,
};

export const BOB: Caller = { ...ALICE, principalArn: `arn:aws:iam::${ACCOUNT}:user/Bob`, principalId: "AIDABOB", accessKeyId: "AKIABOB" };

export const T0 = Date.UTC(2025, 0, 1, 0, 0, 0);

/** Event i: Encrypt/Decrypt/GenerateDataKey in turn, key i%3, Alice (Bob every 5th), one second apart. */
export function sampleEvent(i: number): CloudTrailEvent {
  const ops = ["Encrypt", "Decrypt", "GenerateDataKey"] as const;
  const keyId = KEY_IDS[i % 3] as string;
  const denied = i % 7 === 6;
  return cloudTrailRecord({
    requestId: `req-${i}`,
    operation: ops[i % 3],
    caller: i % 5 === 4 ? BOB : ALICE,
    errorCode: denied ? "AccessDeniedException" : undefined,
    errorMessage: denied ? "not authorized" : undefined,
    input: { KeyId: keyId, EncryptionContext: { n: String(i) } },
    output: denied ? undefined : { KeyId: keyArnOf(keyId) },
    startedAt: T0 + i * 1000,
  });
}

export async function tempDir(prefix = "trent-audit-"): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface WrittenLog {
  readonly dir: string;
  readonly signer: AuditSigner;
}

/** Writes `n` sample events to a new log in `dir` and closes it. */
export async function writeLog(
  dir: string,
  n: number,
  options: Partial<AuditLogOptions> = {},
  signer: AuditSigner = ephemeralAuditSigner(),
): Promise<WrittenLog> {
  const log = await AuditLog.open({ dir, signer, durable: true, digestEveryMs: 0, ...options });
  await Promise.all(Array.from({ length: n }, (_, i) => log.append(sampleEvent(i))));
  await log.close();
  return { dir, signer };
}

export async function segmentLines(dir: string): Promise<{ name: string; path: string; lines: string[] }[]> {
  const out = [];
  for (const s of await listSegments(dir)) {
    const text = await readFile(s.path, "utf8");
    out.push({ name: s.name, path: s.path, lines: text.split("\n").slice(0, -1) });
  }
  return out;
}

export async function writeLines(path: string, lines: readonly string[]): Promise<void> {
  await writeFile(path, lines.length === 0 ? "" : `${lines.join("\n")}\n`);
}

/**
 * What an attacker with write access can do: re-sequence and re-hash every line from `from`
 * (0-based) on, after `edit` changed the bodies. Digests keep their (now stale) signatures.
 */
export function rechain(lines: readonly string[], edit: (bodies: { type: string; body: Record<string, unknown> }[]) => void): string[] {
  const parsed = lines.map((l) => {
    const p = parseLine(l);
    if (p === undefined) throw new Error("unparseable line");
    return { type: p.meta.type as string, body: p.body };
  });
  edit(parsed);
  let head: ChainHead = GENESIS;
  return parsed.map((p) => {
    const line = buildLine(p.type as Parameters<typeof buildLine>[0], p.body, head);
    head = { seq: line.meta.seq, hash: line.meta.hash };
    return line.text.slice(0, -1);
  });
}
