/**
 * The audit trail's public API (for the dispatcher, the scheduler and the CLI).
 *
 *   const log = await openAuditLog({ dataDir, keystore, durable: mode === "production" });
 *   await log.intent(requestId, "CreateKey");          // production, before a state change
 *   await log.append(cloudTrailRecord(outcome));        // every call; rejects when the log is down
 *   await log.append(serviceEvent({ eventName: "DeleteKey", keyArn, accountId, region, at }));
 *   log.healthy();  await log.reopen();  await log.close();
 */
import { AuditLog, type AuditLogOptions } from "./audit-log.js";
import { auditDir } from "./segments.js";
import { loadOrCreateAuditSigningKey, type KeyWrapper } from "./signing-key.js";

export { AUDIT_DEFAULTS, AuditLog, AuditLogCorruptError, AuditUnavailableError } from "./audit-log.js";
export type { AuditLogOptions, AuditLogStats } from "./audit-log.js";
export { cloudTrailRecord, isReadOnlyOperation, serviceEvent } from "./cloudtrail-record.js";
export type { AuditCall, CloudTrailEvent, RecordOptions, ServiceEventInput } from "./cloudtrail-record.js";
export { queryAuditLog, formatJsonLine, formatTable } from "./query.js";
export type { AuditQuery, QueriedEvent } from "./query.js";
export { auditDir } from "./segments.js";
export { loadOrCreateAuditSigningKey, readAuditPublicKey } from "./signing-key.js";
export type { AuditPublicKey, AuditSigner, KeyWrapper } from "./signing-key.js";
export { verifyAuditLog } from "./verify.js";
export type { ProblemKind, VerifyOptions, VerifyProblem, VerifyResult } from "./verify.js";

export interface OpenAuditLogOptions extends Partial<Omit<AuditLogOptions, "dir" | "signer">> {
  readonly dataDir: string;
  /** Wraps the audit signing key under the root (created at first use). */
  readonly keystore: KeyWrapper;
  /** true in production: append resolves after fdatasync. */
  readonly durable: boolean;
}

/** Loads (or creates) the signing key and opens `<dataDir>/audit`, recovering after a crash. */
export async function openAuditLog(options: OpenAuditLogOptions): Promise<AuditLog> {
  const { dataDir, keystore, ...rest } = options;
  const dir = auditDir(dataDir);
  const signer = await loadOrCreateAuditSigningKey(dir, keystore);
  return AuditLog.open({ ...rest, dir, signer });
}
