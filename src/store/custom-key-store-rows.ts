import type { CustomKeyStoreRecord } from "../domain/custom-key-store.js";

/**
 * The row shape both SQL backends use for custom key stores: the columns that carry constraints,
 * order or the wrapped password, and the rest of the record as a JSON document.
 */
export interface CustomKeyStoreRow {
  custom_key_store_id: string;
  account_id: string;
  region: string;
  name: string;
  cluster_id: string;
  root_version: string;
  wrapped_password: Buffer;
  revision: number;
  doc: string;
}

type Doc = Omit<
  CustomKeyStoreRecord,
  "customKeyStoreId" | "accountId" | "region" | "name" | "cloudHsmClusterId" | "password" | "revision"
>;

/** The row's columns in table order, for an INSERT (revision as given). */
export function customKeyStoreColumns(c: CustomKeyStoreRecord, revision: number): [string, string, string, string, string, string, Buffer, number, string] {
  const {
    customKeyStoreId,
    accountId,
    region,
    name,
    cloudHsmClusterId,
    password,
    revision: _revision,
    ...doc
  } = c;
  return [customKeyStoreId, accountId, region, name, cloudHsmClusterId, password.rootVersion, password.blob, revision, JSON.stringify(doc)];
}

export function customKeyStoreFromRow(r: CustomKeyStoreRow): CustomKeyStoreRecord {
  const doc = JSON.parse(r.doc) as Doc;
  return {
    customKeyStoreId: r.custom_key_store_id,
    accountId: r.account_id,
    region: r.region,
    name: r.name,
    cloudHsmClusterId: r.cluster_id,
    password: { rootVersion: r.root_version, blob: Buffer.from(r.wrapped_password) },
    revision: Number(r.revision),
    ...doc,
  };
}

/** Which unique constraint a duplicate-key error names, for DuplicateEntry's message. */
export function customKeyStoreConflict(e: unknown, c: CustomKeyStoreRecord): string {
  const text = e instanceof Error ? `${e.message} ${String((e as { constraint?: unknown }).constraint ?? "")}` : "";
  if (text.includes("by_name") || text.includes(".name")) return `custom key store name ${c.name}`;
  if (text.includes("by_cluster") || text.includes("cluster_id")) return `custom key store for cluster ${c.cloudHsmClusterId}`;
  return `custom key store ${c.customKeyStoreId}`;
}
