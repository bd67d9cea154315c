/**
 * The DER SubjectPublicKeyInfo of a stored private key: what GetPublicKey returns, and what a
 * key-import path can compare against a supplied public key.
 */
import { createPublicKey } from "node:crypto";
import type { SecretBytes } from "../secret-bytes.js";
import { keyMaterialError } from "./errors.js";
import { importPrivateKey } from "./key-material.js";
import { mlDsaPublicKeyOf } from "./ml-dsa.js";
import { isMlDsaSpec, type AsymmetricKeySpec } from "./specs.js";

export function publicKeyFromPrivate(spec: AsymmetricKeySpec, privateKey: SecretBytes): Buffer {
  if (isMlDsaSpec(spec)) return mlDsaPublicKeyOf(spec, privateKey);
  const key = importPrivateKey(spec, privateKey.expose());
  try {
    return createPublicKey(key).export({ type: "spki", format: "der" });
  } catch {
    throw keyMaterialError(spec);
  }
}
