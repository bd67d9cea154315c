import type { OperatorRoutes } from "../api/http-server.js";
import type { Keystore } from "../keystore/keystore.js";
import { SealedKeystore, UnsealError } from "../keystore/sealed-keystore.js";
import type { RewrapReport } from "./root-rotation.js";

/** Unseal, seal and status for the operator endpoints (/_trent/operator/...). */
export function operatorRoutes(
  keystore: Keystore,
  log: (line: Record<string, unknown>) => void,
  hooks: { onUnsealed: () => Promise<void>; rotateRoot: () => Promise<RewrapReport> },
): OperatorRoutes {
  const sealed = keystore instanceof SealedKeystore ? keystore : undefined;
  const notSealable = { status: 400, body: { message: `the ${keystore.status().kind} keystore is not sealed with shares` } };
  return {
    status() {
      const st = keystore.status();
      return {
        keystore: st.kind,
        sealed: st.sealed,
        ...(sealed ? { progress: sealed.unsealProgress(), ...(sealed.autoUnsealError ? { autoUnsealError: sealed.autoUnsealError } : {}) } : {}),
      };
    },
    async unseal(share) {
      if (!sealed) return notSealable;
      try {
        const r = await sealed.submitShare(share);
        log({ level: "info", msg: "unseal share submitted", sealed: r.sealed, submitted: r.progress.submitted });
        if (!r.sealed) await hooks.onUnsealed();
        return { status: 200, body: { sealed: r.sealed, accepted: r.accepted, progress: r.progress } };
      } catch (e) {
        if (e instanceof UnsealError) {
          log({ level: "warn", msg: "unseal share refused", reason: e.reason });
          return { status: 400, body: { sealed: true, reason: e.reason, message: e.message, progress: e.progress } };
        }
        throw e;
      }
    },
    async rotateRoot() {
      const r = await hooks.rotateRoot();
      log({ level: "info", msg: "root rotated", rootVersion: r.rootVersion, rewrapped: r.rewrapped, failed: r.failed });
      return { rootVersion: r.rootVersion, rewrapped: r.rewrapped, failed: r.failed, retired: r.retired };
    },
    async seal() {
      if (!sealed) return { message: notSealable.body.message };
      sealed.seal();
      log({ level: "warn", msg: "sealed by operator" });
      return { sealed: true };
    },
  };
}
