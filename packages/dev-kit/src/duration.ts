// Durations on command lines of the workspace's tools (the load runner, the lab, verify:cluster).
// The @lab/telemetry library keeps its own parser for its environment variables: it must not depend on a dev-kit.

const pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "30s", "2m", "1.5h" or plain seconds, in milliseconds; anything else, or zero, names `flag`. */
export function parseDuration(text: string, flag: string): number {
  const match = pattern.exec(text.trim());
  const ms = match ? Number(match[1]) * unitMs[match[2] ?? 's']! : Number.NaN;
  if (!(ms > 0)) throw new Error(`${flag} must be a duration like "30s", "2m" or "500ms", got "${text}"`);
  return ms;
}
