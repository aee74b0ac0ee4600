// Pure parsers for cgroup v1/v2 file contents. `undefined` input means the file was missing.
export type Parsed<T> =
  | { ok: true; value: T }
  | { ok: false; reason: "missing" | "malformed"; detail: string };

const V1_UNLIMITED_THRESHOLD = 2 ** 62;

export function missing<T>(detail: string): Parsed<T> {
  return { ok: false, reason: "missing", detail };
}

function malformed<T>(detail: string): Parsed<T> {
  return { ok: false, reason: "malformed", detail };
}

/** Parses flat-keyed files (`key value` per line): cpu.stat, memory.stat, memory.events, memory.oom_control. */
export function parseFlatKeyed(
  text: string | undefined,
  file: string,
): Parsed<Map<string, number>> {
  if (text === undefined) return missing(file);
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const space = line.indexOf(" ");
    if (space <= 0) return malformed(`${file}: line without value`);
    const value = Number(line.slice(space + 1));
    if (!Number.isFinite(value)) return malformed(`${file}: bad number`);
    values.set(line.slice(0, space), value);
  }
  if (values.size === 0) return malformed(`${file}: empty`);
  return { ok: true, value: values };
}

/** Parses single-value files (memory.current, cpuacct.usage, memory.max); `max` becomes null. */
export function parseSingleValue(
  text: string | undefined,
  file: string,
): Parsed<number | null> {
  if (text === undefined) return missing(file);
  const trimmed = text.trim();
  if (trimmed === "max") return { ok: true, value: null };
  if (!/^\d+$/.test(trimmed)) return malformed(`${file}: not an integer`);
  const value = Number(trimmed);
  // cgroup v1 reports "no limit" as PAGE_COUNTER_MAX * page size, about 2^63.
  return { ok: true, value: value >= V1_UNLIMITED_THRESHOLD ? null : value };
}

export function requireKey(
  values: Map<string, number>,
  key: string,
  file: string,
): Parsed<number> {
  const value = values.get(key);
  return value === undefined
    ? malformed(`${file}: no ${key}`)
    : { ok: true, value };
}
