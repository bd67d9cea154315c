import type { KeyMaterialRecord, KeyRecord } from "../../domain/key-record.js";
import { RevisionConflict, type Store } from "../../store/store.js";

export interface KeyEdit {
  readonly key: KeyRecord;
  readonly addMaterials?: readonly KeyMaterialRecord[];
  readonly removeMaterialIds?: readonly string[];
}

/**
 * Applies `edit` to the key with compare-and-swap, re-reading and re-running `edit` when another
 * writer got there first. `edit` may throw (a state check) to abandon the change. Returns the
 * stored key.
 */
export async function mutateKey(
  store: Store,
  key: KeyRecord,
  edit: (current: KeyRecord) => KeyEdit | Promise<KeyEdit>,
): Promise<KeyRecord> {
  let current = key;
  for (let attempt = 0; ; attempt++) {
    const change = await edit(current);
    try {
      return await store.updateKey({ ...change, expectedRevision: current.revision });
    } catch (e) {
      if (!(e instanceof RevisionConflict) || attempt >= 20) throw e;
      const fresh = await store.getKey(key.keyId);
      if (fresh === undefined) throw e;
      current = fresh;
    }
  }
}
