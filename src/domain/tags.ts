import { KmsError } from "./errors.js";
import type { Tag } from "./key-record.js";

/** AWS allows 50 tags per KMS key. */
export const MAX_TAGS_PER_KEY = 50;

function isReserved(tagKey: string): boolean {
  return tagKey.toLowerCase().startsWith("aws:");
}

/** Checks a list of tags from a request (CreateKey, TagResource). */
export function checkRequestTags(tags: readonly Tag[]): void {
  // Order and wording as AWS answers (localstack's AWS-validated tag tests, localstack#12142):
  // duplicates, then the count, then each key's prefix; all TagException.
  if (new Set(tags.map((t) => t.TagKey)).size < tags.length) throw new KmsError("TagException", "Duplicate tag keys");
  if (tags.length > MAX_TAGS_PER_KEY) throw new KmsError("TagException", "Too many tags");
  for (const t of tags) if (isReserved(t.TagKey)) throw reserved();
}

function reserved(): KmsError {
  return new KmsError("TagException", "Tags beginning with aws: are reserved");
}

function tooMany(): KmsError {
  return new KmsError("LimitExceededException", `A KMS key can have at most ${MAX_TAGS_PER_KEY} tags.`);
}

/** Adds or replaces tags, keeping existing order; new keys are appended. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const out = existing.map((t) => ({ ...t }));
  for (const t of added) {
    const i = out.findIndex((o) => o.TagKey === t.TagKey);
    if (i >= 0) out[i] = { TagKey: t.TagKey, TagValue: t.TagValue };
    else out.push({ TagKey: t.TagKey, TagValue: t.TagValue });
  }
  if (out.length > MAX_TAGS_PER_KEY) throw tooMany();
  return out;
}

export function removeTags(existing: readonly Tag[], keys: readonly string[]): Tag[] {
  for (const k of keys) if (isReserved(k)) throw reserved();
  const drop = new Set(keys);
  return existing.filter((t) => !drop.has(t.TagKey)).map((t) => ({ ...t }));
}
