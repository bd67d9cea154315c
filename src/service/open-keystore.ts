import { Pkcs11Keystore } from "../keystore/pkcs11-keystore.js";
import { Pkcs11Token } from "../keystore/pkcs11-token.js";
import { SealedKeystore } from "../keystore/sealed-keystore.js";
import { SoftwareKeystore } from "../keystore/software-keystore.js";
import type { Keystore } from "../keystore/keystore.js";
import type { TrentConfig } from "./config.js";

/** Label of the HSM key that encrypts the unseal key for auto-unseal. */
export const AUTO_UNSEAL_KEY_LABEL = "trent-auto-unseal";

/** Opens the configured root of trust for a data directory. */
export async function openKeystore(config: TrentConfig): Promise<Keystore> {
  switch (config.keystore) {
    case "software":
      return SoftwareKeystore.open(config.dataDir);
    case "pkcs11": {
      const p = config.pkcs11;
      if (p === undefined) throw new Error("the pkcs11 keystore needs PKCS#11 settings");
      return Pkcs11Keystore.open({ modulePath: p.modulePath, tokenLabel: p.tokenLabel, pin: p.pin });
    }
    case "sealed": {
      if (!SealedKeystore.isInitialized(config.dataDir)) {
        throw new Error(`${config.dataDir} has no sealed root: run \`trent operator init --data-dir ${config.dataDir}\` first`);
      }
      const p = config.pkcs11;
      if (p === undefined) return SealedKeystore.open(config.dataDir);
      // With PKCS#11 settings, a sealed root is unsealed automatically by the HSM at start.
      const token = await Pkcs11Token.open({ modulePath: p.modulePath, tokenLabel: p.tokenLabel, pin: p.pin });
      return SealedKeystore.open(config.dataDir, { autoUnseal: { token, keyLabel: AUTO_UNSEAL_KEY_LABEL } });
    }
  }
}
