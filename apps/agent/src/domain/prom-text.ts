export type PromSample = {
  name: string;
  labels: Record<string, string>;
  value: number;
};

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseLabels(raw: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, key = "", value = ""] of raw.matchAll(LABEL)) {
    labels[key] = value.replace(/\\(.)/g, (_, c: string) =>
      c === "n" ? "\n" : c,
    );
  }
  return labels;
}

function parseLine(
  line: string,
  wanted: ReadonlySet<string>,
): PromSample | undefined {
  if (line === "" || line.startsWith("#")) return undefined;
  const match = LINE.exec(line);
  const name = match?.[1];
  if (match === null || name === undefined || !wanted.has(name))
    return undefined;
  const value = Number(match[3]);
  return Number.isNaN(value)
    ? undefined
    : { name, labels: parseLabels(match[2] ?? ""), value };
}

/** Parses Prometheus text exposition lines for the wanted metric names; other lines are skipped. */
export function parsePromText(
  text: string,
  wanted: ReadonlySet<string>,
): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split("\n")) {
    const sample = parseLine(line, wanted);
    if (sample !== undefined) out.push(sample);
  }
  return out;
}
