import { KmsError } from "../domain/errors.js";

/** AWS's limit on a key policy document. */
export const MAX_KEY_POLICY_BYTES = 32 * 1024;

function malformed(msg: string): KmsError {
  return new KmsError("MalformedPolicyDocumentException", msg);
}

/**
 * Structural checks of a key policy: JSON object, a Statement (object or non-empty array) whose
 * entries have Effect Allow/Deny and an Action or NotAction. Principal checks and the lockout
 * safety check belong to the policy engine.
 */
export function checkPolicyDocument(text: string): Record<string, unknown> {
  if (Buffer.byteLength(text, "utf8") > MAX_KEY_POLICY_BYTES) {
    throw new KmsError("LimitExceededException", `Policy exceeds the maximum size of ${MAX_KEY_POLICY_BYTES} bytes.`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed("The policy is not valid JSON.");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw malformed("The policy must be a JSON object.");
  const d = doc as Record<string, unknown>;
  const version = d["Version"];
  if (version !== undefined && version !== "2012-10-17" && version !== "2008-10-17") {
    throw malformed(`The policy version ${String(version)} is not supported.`);
  }
  const st = d["Statement"];
  const statements = Array.isArray(st) ? st : st === undefined ? [] : [st];
  if (statements.length === 0) throw malformed("The policy must contain at least one Statement.");
  for (const s of statements) {
    if (typeof s !== "object" || s === null || Array.isArray(s)) throw malformed("Each Statement must be a JSON object.");
    const stmt = s as Record<string, unknown>;
    if (stmt["Effect"] !== "Allow" && stmt["Effect"] !== "Deny") throw malformed("Each Statement needs an Effect of Allow or Deny.");
    if (stmt["Action"] === undefined && stmt["NotAction"] === undefined) throw malformed("Each Statement needs an Action or NotAction.");
    if (stmt["Principal"] === undefined && stmt["NotPrincipal"] === undefined) {
      throw malformed("Each Statement of a key policy needs a Principal or NotPrincipal.");
    }
  }
  return d;
}
