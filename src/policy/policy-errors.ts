import { KmsError } from "../domain/errors.js";

/**
 * Messages KMS answers with for key policies it refuses. The first two are AWS's own wording
 * (recorded in public CreateKey/PutKeyPolicy error reports); the rest are Trent's, in the same
 * register, for checks whose exact AWS wording is not published.
 */
export const POLICY_MESSAGES = {
  invalidPrincipals: "Policy contains a statement with one or more invalid principals.",
  lockout: "The new key policy will not allow you to update the key policy in the future.",
  tooLarge: "The key policy exceeds the maximum size of 32768 bytes.",
  notJson: "The policy document is not valid JSON.",
  badCharacters:
    "The key policy contains characters outside the printable Basic Latin and Latin-1 Supplement range, tab, line feed and carriage return.",
  identityPrincipal: "Policy document should not specify a principal.",
} as const;

export function malformed(message: string): KmsError {
  return new KmsError("MalformedPolicyDocumentException", message);
}
