import { applyExpiry, nextMaterialExpiry } from "../domain/imported-material.js";
import type { KeyRecord } from "../domain/key-record.js";
import type { KeyMaterials } from "../ops/support/key-materials.js";
import { mutateKey } from "../ops/support/mutate-key.js";
import { rotateKeyMaterial } from "../ops/support/rotation.js";
import type { Store } from "../store/store.js";

export interface ScheduledEvent {
  readonly kind: "DeleteKey" | "RotateKey" | "DeleteExpiredKeyMaterial";
  readonly key: KeyRecord;
  readonly at: number;
  /** DeleteExpiredKeyMaterial: the material deleted. */
  readonly keyMaterialId?: string;
}

/**
 * Carries out what is due by itself: scheduled key deletions, automatic rotations and the
 * deletion of imported key material at its ValidTo. Driven by an injectable clock; `runOnce` is what the timer calls, so tests
 * call it directly. Work is idempotent: a deletion due while the service was down happens once,
 * at the next run.
 */
export class Scheduler {
  readonly #store: Store;
  readonly #materials: KeyMaterials;
  readonly #now: () => number;
  readonly #random: (n: number) => Buffer;
  readonly #onEvent: (e: ScheduledEvent) => void;
  readonly #maintenance: (() => Promise<void>) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(deps: {
    store: Store;
    materials: KeyMaterials;
    now: () => number;
    random: (n: number) => Buffer;
    onEvent?: (e: ScheduledEvent) => void;
    /** Housekeeping after the due work (e.g. finishing a root rotation interrupted by a crash). */
    maintenance?: () => Promise<void>;
  }) {
    this.#maintenance = deps.maintenance;
    this.#store = deps.store;
    this.#materials = deps.materials;
    this.#now = deps.now;
    this.#random = deps.random;
    this.#onEvent = deps.onEvent ?? (() => {});
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.runOnce().catch(() => {}), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => 0);
  }

  /** Runs everything due now; returns how many events happened. Never runs twice at once. */
  runOnce(): Promise<number> {
    this.#running ??= this.#run()
      .then(async (n) => {
        if (this.#maintenance && !this.#materials.keystore.status().sealed) await this.#maintenance();
        return n;
      })
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Deletes imported material whose ValidTo has passed (the key becomes PendingImport), as AWS does. */
  async #expireMaterial(key: KeyRecord, now: number): Promise<void> {
    let expired: readonly string[] = [];
    const stored = await mutateKey(this.#store, key, (cur) => {
      const outcome = applyExpiry(cur, now);
      expired = outcome.removed;
      return outcome.removed.length > 0 ? { key: outcome.key, removeMaterialIds: outcome.removed } : { key: outcome.key };
    });
    this.#materials.forget(key.keyId);
    for (const keyMaterialId of expired) this.#onEvent({ kind: "DeleteExpiredKeyMaterial", key: stored, at: now, keyMaterialId });
  }

  async #run(): Promise<number> {
    // A sealed root can neither wrap new material nor be trusted to act: wait for the unseal.
    if (this.#materials.keystore.status().sealed) return 0;
    let done = 0;
    for (;;) {
      const now = this.#now();
      const due = await this.#store.dueKeys(now, 100);
      let progressed = 0;
      for (const key of due) {
        if (key.keyState === "PendingDeletion" && key.deletionDate !== undefined && key.deletionDate <= now) {
          await this.#store.deleteKey(key.keyId);
          this.#materials.forget(key.keyId);
          this.#onEvent({ kind: "DeleteKey", key, at: now });
          progressed++;
        } else if (
          key.keyState === "Enabled" &&
          key.rotation.enabled &&
          key.rotation.nextRotationAt !== undefined &&
          key.rotation.nextRotationAt <= now
        ) {
          const store = this.#store;
          await rotateKeyMaterial({ store, materials: this.#materials, random: this.#random }, key, "ROTATION_AUTOMATIC", now);
          this.#onEvent({ kind: "RotateKey", key, at: now });
          progressed++;
        } else if ((nextMaterialExpiry(key) ?? Infinity) <= now) {
          await this.#expireMaterial(key, now);
          progressed++;
        }
      }
      done += progressed;
      if (progressed === 0 || due.length < 100) return done;
    }
  }
}
