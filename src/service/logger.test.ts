import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveConfig } from "./config.js";
import { createLogger, lineLogger, REDACT_PATHS, type LogLine } from "./logger.js";

function capture(level: "info" | "debug" | "warn") {
  const lines: LogLine[] = [];
  const logger = createLogger({ level, sink: (l) => lines.push(l) });
  return { lines, logger, log: lineLogger(logger) };
}

describe("structured logs", () => {
  it("each line is one JSON object with level as a name, an ISO time and msg, and the line's fields", () => {
    const { lines, log } = capture("info");
    log({ level: "warn", msg: "audit", detail: "disk full", requestId: "r-1" });
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.["level"], "warn");
    assert.equal(line?.["msg"], "audit");
    assert.equal(line?.["detail"], "disk full");
    assert.equal(line?.["requestId"], "r-1");
    assert.match(String(line?.["time"]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line?.["pid"], undefined);
  });

  it("lines below the configured level are dropped, and a line without a known level is info", () => {
    const { lines, log, logger } = capture("warn");
    log({ level: "info", msg: "quiet" });
    log({ msg: "no level" });
    log({ level: "error", msg: "loud" });
    assert.deepEqual(lines.map((l) => l["msg"]), ["loud"]);
    assert.equal(logger.isLevelEnabled("debug"), false);
    const dbg = capture("debug");
    dbg.log({ level: "bogus", msg: "x" });
    assert.equal(dbg.lines[0]?.["level"], "info");
  });

  it("secret-named members are redacted at the top level and two levels down, whatever the line", () => {
    const { lines, log } = capture("info");
    log({
      level: "info",
      msg: "careless",
      Plaintext: "MARKER-1",
      input: { Plaintext: "MARKER-2", nested: { SecretAccessKey: "MARKER-3" } },
      body: { share: "MARKER-4", pin: "MARKER-5" },
      PrivateKeyPlaintext: "MARKER-6",
      keyId: "kept",
    });
    const text = JSON.stringify(lines);
    for (let i = 1; i <= 6; i++) assert.ok(!text.includes(`MARKER-${i}`), `MARKER-${i} leaked: ${text}`);
    assert.ok(text.includes("kept"));
    assert.ok(REDACT_PATHS.includes("*.Plaintext"));
  });

  it("TRENT_LOG_LEVEL sets the level (info by default) and an unknown level is refused", () => {
    assert.equal(resolveConfig({}, {}).logLevel, "info");
    assert.equal(resolveConfig({}, { TRENT_LOG_LEVEL: "debug" }).logLevel, "debug");
    assert.equal(resolveConfig({ logLevel: "error" }, { TRENT_LOG_LEVEL: "debug" }).logLevel, "error");
    assert.throws(() => resolveConfig({}, { TRENT_LOG_LEVEL: "verbose" }), /log level/);
  });
});
