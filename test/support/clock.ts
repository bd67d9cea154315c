import type { KMSClient } from "@aws-sdk/client-kms";
import { useTrent, type TrentFixture } from "./harness.js";

/**
 * A service clock a test moves: real time plus an offset. Trent is started with `now` as its
 * clock, and SigV4 checks request dates against that same clock (5 minutes either way), so a
 * client `attach`ed to the clock signs with systemClockOffset = offset. The SDK re-samples its
 * offset from every response's Date header, which Trent writes from the real clock, so a
 * middleware puts the offset back before each request is signed.
 */
export class TestClock {
  #offset = 0;

  /** The time the service sees (epoch ms). */
  readonly now = (): number => Date.now() + this.#offset;

  /** Moves the clock so that it reads `at` (epoch ms) now. */
  set(at: number): void {
    this.#offset = at - Date.now();
  }

  /** Makes `client` sign every request with this clock's time; returns it. */
  attach(client: KMSClient): KMSClient {
    client.config.systemClockOffset = this.#offset;
    client.middlewareStack.add(
      (next) => async (args) => {
        client.config.systemClockOffset = this.#offset;
        return next(args);
      },
      { step: "initialize", name: "serviceClockOffset" },
    );
    return client;
  }
}

export interface TrentOnClock {
  readonly h: TrentFixture;
  readonly clock: TestClock;
  /** Every log line the service wrote. */
  readonly events: Record<string, unknown>[];
  /** The dev account's client, signing with the clock (made on first use). */
  kms(): KMSClient;
}

/**
 * One Trent for the test file (useTrent) running on a TestClock, with its log lines collected and
 * the periodic sweep pushed out of the way (the largest interval a timer takes), so that only the
 * test's own runOnce calls carry out scheduled work.
 */
export function useTrentOnClock(): TrentOnClock {
  const clock = new TestClock();
  const events: Record<string, unknown>[] = [];
  const h = useTrent({ now: clock.now, log: (line) => void events.push(line) }, { TRENT_SWEEP_INTERVAL_MS: "2147483647" });
  let client: KMSClient | undefined;
  return { h, clock, events, kms: () => (client ??= clock.attach(h.client())) };
}
