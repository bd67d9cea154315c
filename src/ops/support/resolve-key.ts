import { aliasArn, keyArn, parseKeyIdentifier } from "../../domain/arn.js";
import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { OpContext } from "../context.js";

export interface ResolveOptions {
  /** Whether the operation accepts alias names and alias ARNs (AWS decides per operation). */
  readonly allowAlias: boolean;
}

/**
 * Finds the key a KeyId parameter names, as AWS does: key id and alias name in the caller's
 * account and region; key ARN and alias ARN anywhere (the authorizer decides cross-account use).
 */
export async function resolveKey(ctx: OpContext, keyIdParam: string, opts: ResolveOptions): Promise<KeyRecord> {
  const id = parseKeyIdentifier(keyIdParam);
  const { accountId, region } = ctx.caller;
  switch (id.kind) {
    case "invalid":
      throw new KmsError("NotFoundException", `Invalid keyId '${keyIdParam}'`);
    case "keyId":
    case "keyArn": {
      const acct = id.kind === "keyArn" ? id.accountId : accountId;
      const reg = id.kind === "keyArn" ? id.region : region;
      // A key ARN of another region: AWS answers "Invalid arn <region>" (localstack snapshot
      // test_get_key_in_different_region, recorded against AWS).
      if (reg !== region) throw new KmsError("NotFoundException", `Invalid arn ${reg}`);
      const key = await ctx.store.getKey(id.keyId);
      if (key === undefined || key.accountId !== acct || key.region !== reg) {
        throw new KmsError("NotFoundException", `Key '${keyArn(reg, acct, id.keyId)}' does not exist`);
      }
      return key;
    }
    case "aliasName":
    case "aliasArn": {
      if (!opts.allowAlias) throw new KmsError("NotFoundException", `Invalid keyId '${keyIdParam}'`);
      const acct = id.kind === "aliasArn" ? id.accountId : accountId;
      const reg = id.kind === "aliasArn" ? id.region : region;
      const alias = reg === region ? await ctx.store.getAlias(acct, reg, id.aliasName) : undefined;
      const key = alias && (await ctx.store.getKey(alias.targetKeyId));
      if (alias === undefined || key === undefined) {
        throw new KmsError("NotFoundException", `Alias ${aliasArn(reg, acct, id.aliasName)} is not found.`);
      }
      return key;
    }
  }
}
