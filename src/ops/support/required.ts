import { KmsError } from "../../domain/errors.js";

/** For members the model leaves optional but an operation needs in this case. */
export function requireMember<T>(value: T | undefined, wireName: string): T {
  if (value === undefined) {
    throw new KmsError(
      "ValidationException",
      `1 validation error detected: Value null at '${wireName}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}
