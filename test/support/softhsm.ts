import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian's softhsm2 package puts the PKCS#11 module (CI installs it too). */
export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

/**
 * Why SoftHSM tests cannot run here, or undefined when they can. Pass it as `skip` to
 * describe()/test() so that a missing module is reported, not silently ignored.
 */
export function softHsmSkipReason(): string | undefined {
  if (!existsSync(SOFTHSM_MODULE)) {
    return `SoftHSM2 is not installed (${SOFTHSM_MODULE} is missing): apt-get install softhsm2 opensc`;
  }
  return undefined;
}

export interface SoftHsmToken {
  readonly modulePath: string;
  readonly label: string;
  /** User PIN (a throwaway token's). */
  readonly pin: string;
  readonly soPin: string;
  /** A file holding the user PIN, for configs that read the PIN from a file. */
  readonly pinFile: string;
  /** The softhsm2.conf that names the token directory; SOFTHSM2_CONF points at it. */
  readonly conf: string;
  readonly dir: string;
  /** Environment for child processes (softhsm2-util, pkcs11-tool) that must see this token. */
  readonly env: NodeJS.ProcessEnv;
  /** Initialises another token in the same token directory (same conf). */
  addToken(label: string, pin?: string): void;
  /** Removes the token directory and restores SOFTHSM2_CONF. */
  cleanup(): void;
}

/**
 * Creates a throwaway SoftHSM2 token in a temp directory and points SOFTHSM2_CONF at it.
 * SoftHSM reads SOFTHSM2_CONF at C_Initialize, so call this before the first PKCS#11 module
 * load of the process (and keep one token directory per test process).
 */
export function createSoftHsmToken(options: { label?: string; pin?: string; soPin?: string } = {}): SoftHsmToken {
  const dir = mkdtempSync(join(tmpdir(), "trent-softhsm-"));
  const tokendir = join(dir, "tokens");
  mkdirSync(tokendir, { mode: 0o700 });
  const conf = join(dir, "softhsm2.conf");
  writeFileSync(conf, `directories.tokendir = ${tokendir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const label = options.label ?? "trent-test";
  const pin = options.pin ?? "1234";
  const soPin = options.soPin ?? "12345678";
  const pinFile = join(dir, "pin");
  writeFileSync(pinFile, `${pin}\n`, { mode: 0o600 });
  const env: NodeJS.ProcessEnv = { ...process.env, SOFTHSM2_CONF: conf };
  const previous = process.env["SOFTHSM2_CONF"];
  process.env["SOFTHSM2_CONF"] = conf;

  const addToken = (tokenLabel: string, tokenPin = pin): void => {
    execFileSync("softhsm2-util", ["--init-token", "--free", "--label", tokenLabel, "--so-pin", soPin, "--pin", tokenPin], {
      env,
      stdio: "pipe",
    });
  };
  try {
    addToken(label);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    modulePath: SOFTHSM_MODULE,
    label,
    pin,
    soPin,
    pinFile,
    conf,
    dir,
    env,
    addToken,
    cleanup() {
      if (previous === undefined) delete process.env["SOFTHSM2_CONF"];
      else process.env["SOFTHSM2_CONF"] = previous;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
