import type { Store } from "../store/store.js";

export interface Readiness {
  readonly ready: boolean;
  /** Each condition, true when it holds. */
  readonly checks: {
    /** The store answered a read within the time limit. */
    readonly store: boolean;
    /** The root of trust is unsealed (keys can be used). */
    readonly unsealed: boolean;
    /** The audit log can be written. */
    readonly audit: boolean;
    /** The service is not stopping. */
    readonly running: boolean;
  };
}

/** A key id no key has (not a v4 UUID): reading it costs one index lookup and finds nothing. */
const PROBE_KEY_ID = "00000000-0000-0000-0000-000000000000";

/** Whether the store answers a cheap read within `timeoutMs`. */
export async function storeAnswers(store: Store, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([store.getKey(PROBE_KEY_ID).then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** /readyz: ready when the store answers, the root is unsealed, the audit log is healthy and the service runs. */
export async function readiness(deps: {
  readonly store: Store;
  readonly sealed: () => boolean;
  readonly auditHealthy: () => boolean;
  readonly stopping: () => boolean;
  readonly storeTimeoutMs?: number;
}): Promise<Readiness> {
  const checks = {
    store: await storeAnswers(deps.store, deps.storeTimeoutMs ?? 2000),
    unsealed: !deps.sealed(),
    audit: deps.auditHealthy(),
    running: !deps.stopping(),
  };
  return { ready: checks.store && checks.unsealed && checks.audit && checks.running, checks };
}
