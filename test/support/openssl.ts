/**
 * openssl interop for the end-to-end tests. The openssl runner, temp directory and PEM armour are
 * those of src/crypto/asymmetric/test-support/openssl.ts (the crypto layer's interop tests use them
 * too), re-exported here; this module adds the e2e side: a temp directory for the test file and
 * KMS keys whose public keys openssl reads from PEM files.
 */
import { GetPublicKeyCommand, type KMSClient, type KeySpec, type KeyUsageType } from "@aws-sdk/client-kms";
import { TempDir, pem } from "../../src/crypto/asymmetric/test-support/openssl.js";
import { createKeyRef, useFixture } from "./harness.js";

export { TempDir, openssl, pem, type OpensslResult } from "../../src/crypto/asymmetric/test-support/openssl.js";

export type TestDir = Pick<TempDir, "path" | "write" | "read" | "file">;

/**
 * A temporary directory for the whole test file: made by a `setup` step (harness.ts), removed by an
 * `after` hook. Usable from inside set-up steps, hooks and tests.
 */
export function useTempDir(): TestDir {
  const get = useFixture("useTempDir", () => TempDir.create(), (dir) => dir.remove());
  return {
    get path() {
      return get().path;
    },
    write: (name, data) => get().write(name, data),
    read: (name) => get().read(name),
    file: (name) => get().file(name),
  };
}

/** A KMS key, its public key (DER SPKI from GetPublicKey) and the path of that key as PEM. */
export interface KeyWithPublicPem {
  readonly keyId: string;
  readonly arn: string;
  readonly spki: Buffer;
  readonly pubPem: string;
}

/**
 * Creates a KMS key of each spec for `usage` (in parallel) and writes its public key to
 * `<spec>.pub.pem` in `dir`. Returns the keys by spec; asking for a spec not created throws.
 */
export async function createKeysWithPublicPem(
  kms: KMSClient,
  dir: Pick<TempDir, "write">,
  specs: readonly KeySpec[],
  usage: KeyUsageType,
): Promise<(spec: string) => KeyWithPublicPem> {
  const keys = new Map<string, KeyWithPublicPem>();
  await Promise.all(
    specs.map(async (spec) => {
      const { keyId, arn } = await createKeyRef(kms, { KeySpec: spec, KeyUsage: usage });
      const spki = Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey ?? []);
      keys.set(spec, { keyId, arn, spki, pubPem: await dir.write(`${spec}.pub.pem`, pem("PUBLIC KEY", spki)) });
    }),
  );
  return (spec) => {
    const k = keys.get(spec);
    if (k === undefined) throw new Error(`no ${spec} key`);
    return k;
  };
}
