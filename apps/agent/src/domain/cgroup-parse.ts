// Pure parsers for cgroup v1/v2 file contents. `undefined` input means the file was missing.
export type Parsed<T> =
  | { ok: true; value: T }
  | { ok: false; reason: "missing" | "malformed"; detail: string };

const V1_UNLIMITED_THRESHOLD = 2 ** 62;

function missing<T>(detail: string): Parsed<T> {
  return { ok: false, reason: "missing", detail };
}

function malformed<T>(detail: string): Parsed<T> {
  return { ok: false, reason: "malformed", detail };
}

/**
 * Parses flat-keyed files (`key value` per line): cpu.stat, memory.stat, memory.events,
 * memory.oom_control. With `keys`, only those lines are parsed (memory.stat has ~40 lines and is
 * read for 250+ containers per scrape); lines with other keys are skipped unchecked.
 */
export function parseFlatKeyed(
  text: string | undefined,
  file: string,
  keys?: readonly string[],
): Parsed<Map<string, number>> {
  if (text === undefined) return missing(file);
  const values = new Map<string, number>();
  let lines = 0;
  for (let start = 0; start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (end > start) {
      lines++;
      const problem = parseLine({ text, start, end, keys }, values);
      if (problem !== undefined) return malformed(`${file}: ${problem}`);
    }
    start = end + 1;
  }
  if (lines === 0) return malformed(`${file}: empty`);
  return { ok: true, value: values };
}

/** Adds the line's entry to `values` (unless its key is not wanted); returns a problem or undefined. */
function parseLine(
  line: { text: string; start: number; end: number; keys?: readonly string[] },
  values: Map<string, number>,
): string | undefined {
  const { text, start, end, keys } = line;
  const key = keys === undefined ? undefined : wantedKey(text, start, keys);
  if (keys !== undefined && key === undefined) return undefined;
  const space = text.indexOf(" ", start);
  if (space <= start || space >= end) return "line without value";
  const value = Number(text.slice(space + 1, end));
  if (!Number.isFinite(value)) return "bad number";
  values.set(key ?? text.slice(start, space), value);
  return undefined;
}

function wantedKey(
  text: string,
  start: number,
  keys: readonly string[],
): string | undefined {
  for (const key of keys)
    if (
      text.startsWith(key, start) &&
      text.charCodeAt(start + key.length) === SPACE
    )
      return key;
  return undefined;
}

const SPACE = 32;

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
