import { readFileSync } from "node:fs";
import { CLUSTER_ID_RE } from "../domain/custom-key-store.js";

/** The PKCS#11 token a CloudHSM cluster id stands for (TRENT_HSM_CLUSTERS). */
export interface HsmClusterSettings {
  readonly modulePath: string;
  readonly tokenLabel: string;
}

/**
 * Reads TRENT_HSM_CLUSTERS / --hsm-clusters: a JSON object from cluster id to token,
 * `{ "cluster-234567abcdef": { "modulePath": "/usr/lib/softhsm/libsofthsm2.so", "tokenLabel": "kms-1" } }`.
 * The value is the path of a file holding that JSON, or (when it starts with `{`) the JSON itself.
 * Cluster ids must have AWS's shape (`cluster-` and 11 to 16 of [2-7a-zA-Z]) so that clients
 * validating requests against the model accept them. No PIN here: a custom key store's password is its PIN.
 */
export function parseHsmClusters(value: string): Readonly<Record<string, HsmClusterSettings>> {
  const inline = value.trimStart().startsWith("{");
  let text: string;
  if (inline) {
    text = value;
  } else {
    try {
      text = readFileSync(value, "utf8");
    } catch (e) {
      throw new Error(`cannot read the HSM clusters file ${value}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
  }
  const where = inline ? "TRENT_HSM_CLUSTERS" : value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${where} must be a JSON object from cluster id to { "modulePath", "tokenLabel" }`);
  }
  const out: Record<string, HsmClusterSettings> = {};
  for (const [id, entry] of Object.entries(parsed)) {
    if (!CLUSTER_ID_RE.test(id)) throw new Error(`${where}: "${id}" is not a cluster id (cluster- and 11 to 16 of [2-7a-zA-Z])`);
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new Error(`${where}: ${id} must be an object`);
    const e = entry as Record<string, unknown>;
    const extra = Object.keys(e).filter((k) => k !== "modulePath" && k !== "tokenLabel");
    if (extra.length > 0) throw new Error(`${where}: ${id} has unknown members ${extra.join(", ")} (a PIN never goes here)`);
    const { modulePath, tokenLabel } = e;
    if (typeof modulePath !== "string" || modulePath.length === 0 || typeof tokenLabel !== "string" || tokenLabel.length === 0) {
      throw new Error(`${where}: ${id} needs a non-empty modulePath and tokenLabel`);
    }
    out[id] = { modulePath, tokenLabel };
  }
  return out;
}
