import { KmsError } from "../domain/errors.js";

/** Ends a request that passed every check but asked not to be carried out. */
export function dryRunSucceeded(): never {
  throw new KmsError("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.");
}
