import { KmsError } from "../../domain/errors.js";

/** A KMS key has one policy, named "default". */
export function checkPolicyName(name: string | undefined): "default" {
  if (name === undefined || name === "default") return "default";
  throw new KmsError("NotFoundException", `No such policy exists: ${name}. The only valid key policy name is default.`);
}
