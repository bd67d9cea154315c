import { accountRootArn } from "../domain/arn.js";

/**
 * AWS's default key policy for a key created without one: it gives the account (and through it,
 * IAM policies) full access. Formatted the way AWS's GetKeyPolicy returns it.
 */
export function defaultKeyPolicy(accountId: string): string {
  return [
    "{",
    '  "Version" : "2012-10-17",',
    '  "Id" : "key-default-1",',
    '  "Statement" : [ {',
    '    "Sid" : "Enable IAM User Permissions",',
    '    "Effect" : "Allow",',
    '    "Principal" : {',
    `      "AWS" : "${accountRootArn(accountId)}"`,
    "    },",
    '    "Action" : "kms:*",',
    '    "Resource" : "*"',
    "  } ]",
    "}",
  ].join("\n");
}
