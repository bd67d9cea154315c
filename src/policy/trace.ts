import type { StatementOutcome } from "./evaluate.js";

/**
 * One line per statement considered, for the explainer and denial logs, e.g.
 *   key policy statement 1 "Allow use of the key" (Allow): applies (Principal names the caller)
 *   identity policy "kms-read" statement 0 (Allow): does not apply: Condition: StringEquals kms:EncryptionContext:app: request value "x" does not satisfy "y"
 */
export function statementLine(source: string, o: StatementOutcome): string {
  const s = o.statement;
  const head = `${source} statement ${s.index}${s.sid !== undefined && s.sid !== "" ? ` ${JSON.stringify(s.sid)}` : ""} (${s.effect})`;
  if (!o.applies) return `${head}: does not apply: ${o.failed?.element ?? "?"}: ${o.failed?.detail ?? ""}`;
  const notes: string[] = [];
  if (o.principalMatch === "account") notes.push("Principal names the caller's account, which delegates to its IAM policies");
  else if (o.principalMatch === "direct") notes.push("Principal names the caller");
  if (o.conditions.length > 0) notes.push(`conditions met: ${o.conditions.map((c) => c.reason).join("; ")}`);
  return notes.length === 0 ? `${head}: applies` : `${head}: applies (${notes.join("; ")})`;
}

/**
 * The lines of a decision trace, worded only when someone reads them: a denial (its message and
 * log line) or the explainer. An allowed request, the common case, builds none of them.
 */
/** Where trace lines go. */
export interface TraceSink {
  push(line: string | (() => string)): void;
}

/** A sink that keeps nothing (the allow fast path). */
export const NO_TRACE: TraceSink = { push: () => undefined };

export class TraceLines implements TraceSink {
  readonly #items: (string | (() => string))[] = [];

  push(line: string | (() => string)): void {
    this.#items.push(line);
  }

  render(): string[] {
    return this.#items.map((l) => (typeof l === "string" ? l : l()));
  }
}
