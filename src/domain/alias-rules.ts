import { KmsError } from "./errors.js";

/** Checks an alias name for CreateAlias/UpdateAlias/DeleteAlias beyond the model's pattern. */
export function checkAliasName(aliasName: string, opts: { forCreate: boolean }): void {
  if (!aliasName.startsWith("alias/") || aliasName.length === "alias/".length) {
    // ValidationException, not InvalidAliasNameException: recorded from AWS (localstack snapshot
    // test_create_alias; aws-controllers-k8s/community#1878).
    throw new KmsError("ValidationException", "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
  }
  if (aliasName.startsWith("alias/aws/")) {
    throw new KmsError(
      opts.forCreate ? "InvalidAliasNameException" : "NotFoundException",
      opts.forCreate
        ? "Alias names cannot begin with alias/aws/. That prefix is reserved for AWS managed keys."
        : `Alias ${aliasName} is reserved for AWS managed keys.`,
    );
  }
}
