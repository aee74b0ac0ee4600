// bench:frontier --rule: score Kubewise under another publication rule (for tuning it). Kept out of
// frontier-policies.ts, whose source keys the baselines' cache: a rule touches Kubewise only.
import type { SweepPolicy } from "../src/eval/sweep";
import type { PublicationRule } from "../src/publication";
import { PUBLICATION_RULE } from "../src/publication";

/** --rule: a partial publication rule merged per key into the product's; a clear error otherwise. */
export function parseRule(
  text: string | undefined,
): PublicationRule | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`--rule: not JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error("--rule: expected a JSON object");
  const p = parsed as Record<string, unknown>;
  const unknownKeys = Object.keys(p).filter((k) => !(k in PUBLICATION_RULE));
  if (unknownKeys.length > 0)
    throw new Error(
      `--rule: unknown key(s) ${unknownKeys.join(", ")} (known: ${Object.keys(PUBLICATION_RULE).join(", ")})`,
    );
  const part = <T extends object>(key: string, base: T): T => {
    const v = p[key];
    if (v === undefined) return base;
    if (typeof v !== "object" || v === null || Array.isArray(v))
      throw new Error(`--rule: ${key} must be an object`);
    const known = new Set([...Object.keys(base), "regretDown"]);
    for (const [k, x] of Object.entries(v)) {
      if (!known.has(k))
        throw new Error(
          `--rule: unknown key ${key}.${k} (known: ${[...known].join(", ")})`,
        );
      if (typeof x !== "number" || !Number.isFinite(x) || x < 0)
        throw new Error(`--rule: ${key}.${k} must be a number >= 0`);
    }
    return { ...base, ...(v as Partial<T>) };
  };
  const drop = p.confidenceDrop;
  if (
    drop !== undefined &&
    (typeof drop !== "number" || !Number.isFinite(drop) || drop < 0)
  )
    throw new Error("--rule: confidenceDrop must be a number >= 0");
  return {
    cpu: part("cpu", PUBLICATION_RULE.cpu),
    memory: part("memory", PUBLICATION_RULE.memory),
    confidenceDrop:
      typeof drop === "number" ? drop : PUBLICATION_RULE.confidenceDrop,
  };
}

/** The sweeps with Kubewise's publication rule replaced (unchanged without a rule). */
export function withRule(
  sweeps: SweepPolicy[],
  rule: PublicationRule | undefined,
): SweepPolicy[] {
  if (rule === undefined) return sweeps;
  return sweeps.map((s) =>
    s.family === "kubewise" ? { ...s, publication: rule } : s,
  );
}
