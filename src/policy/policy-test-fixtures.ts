/** Shared fixtures for the policy engine's tests (not used by production code). */
import { keyRecordFixture } from "../domain/key-record-fixture.js";
import type { KeyRecord, Tag } from "../domain/key-record.js";
import type { Caller } from "./authorizer.js";
import type { GrantLike } from "./grants.js";
import type { IdentityPolicySource, KmsAuthorizerLookups } from "./kms-authorizer.js";

export const ACCOUNT = "111122223333";
export const OTHER = "444455556666";
export const REGION = "us-east-1";
export const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

export function rootCaller(account = ACCOUNT): Caller {
  return {
    accountId: account,
    region: REGION,
    principalArn: `arn:aws:iam::${account}:root`,
    principalId: account,
    principalType: "Root",
    accessKeyId: "AKIAROOT",
    sourceIp: "203.0.113.10",
    userAgent: "aws-cli/2",
    secureTransport: true,
  };
}

export function userCaller(name: string, account = ACCOUNT, extra: Partial<Caller> = {}): Caller {
  return {
    accountId: account,
    region: REGION,
    principalArn: `arn:aws:iam::${account}:user/${name}`,
    principalId: `AIDA${name.toUpperCase()}`,
    principalType: "IAMUser",
    accessKeyId: `AKIA${name.toUpperCase()}`,
    sourceIp: "203.0.113.10",
    userAgent: "aws-sdk-js/3",
    secureTransport: true,
    ...extra,
  };
}

export function roleCaller(role: string, account = ACCOUNT): Caller {
  return {
    accountId: account,
    region: REGION,
    principalArn: `arn:aws:iam::${account}:role/${role}`,
    principalId: `AROA${role.toUpperCase()}`,
    principalType: "Role",
    accessKeyId: `AKIA${role.toUpperCase()}`,
    sourceIp: "203.0.113.10",
    userAgent: "aws-sdk-js/3",
    secureTransport: true,
  };
}

export function sessionCaller(role: string, session: string, account = ACCOUNT): Caller {
  return {
    ...roleCaller(role, account),
    principalArn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
    principalType: "AssumedRole",
    accessKeyId: "ASIASESSION",
  };
}

export function makeKey(policy: unknown, overrides: Partial<KeyRecord> = {}, tags: readonly Tag[] = []): KeyRecord {
  return keyRecordFixture({
    keyId: KEY_ID,
    accountId: ACCOUNT,
    region: REGION,
    createdAt: NOW,
    policy: typeof policy === "string" ? policy : JSON.stringify(policy),
    tags,
    ...overrides,
  });
}

/** A policy document with the given statements. */
export function doc(...statements: unknown[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export const ROOT_DELEGATION = {
  Sid: "Enable IAM User Permissions",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: "kms:*",
  Resource: "*",
};

export const ALLOW_ALL_KMS = { Effect: "Allow", Action: "kms:*", Resource: "*" };

export interface FakeLookups extends KmsAuthorizerLookups {
  readonly calls: { identity: number; aliases: number; grants: number };
}

export function fakeLookups(
  opts: {
    identity?: Record<string, readonly IdentityPolicySource[]>;
    existing?: readonly string[];
    aliases?: readonly string[];
    grants?: readonly GrantLike[];
  } = {},
): FakeLookups {
  const calls = { identity: 0, aliases: 0, grants: 0 };
  return {
    calls,
    identityPolicies: async (arn) => {
      calls.identity++;
      return opts.identity?.[arn] ?? [];
    },
    principalExists: (arn) => (opts.existing ?? []).includes(arn),
    resourceAliases: async () => {
      calls.aliases++;
      return opts.aliases ?? [];
    },
    ...(opts.grants !== undefined
      ? {
          grantsFor: async () => {
            calls.grants++;
            return opts.grants ?? [];
          },
        }
      : {}),
  };
}
