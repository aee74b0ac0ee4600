// Kubernetes quantities for the two resources Kubewise manages. Same contract as @kubewise/core's
// units (ceil to integer millicores/bytes, canonical formatting).
// TODO(#6): import these from @kubewise/core once its index is stable, and drop this copy.

const BINARY_SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SUFFIX: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  m: 1e-3,
};
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;
const MEBIBYTE = 2 ** 20;

function parseQuantity(quantity: string): number {
  const match = QUANTITY.exec(quantity.trim());
  if (!match?.[1])
    throw new Error(`invalid quantity: ${JSON.stringify(quantity)}`);
  const suffix = match[2] ?? "";
  const factor = BINARY_SUFFIX[suffix] ?? DECIMAL_SUFFIX[suffix];
  if (factor === undefined)
    throw new Error(`invalid quantity suffix: ${JSON.stringify(quantity)}`);
  return Number(match[1]) * factor;
}

export function parseCpuMillicores(quantity: string): number {
  return Math.ceil(Math.round(parseQuantity(quantity) * 1e6) / 1e3);
}

export function parseMemoryBytes(quantity: string): number {
  return Math.ceil(parseQuantity(quantity));
}

export function formatCpuMillicores(cpuMillicores: number): string {
  const whole = Math.ceil(cpuMillicores);
  return whole % 1000 === 0 ? String(whole / 1000) : `${whole}m`;
}

export function formatMemoryBytes(memoryBytes: number): string {
  const whole = Math.ceil(memoryBytes);
  if (whole > 0 && whole % 2 ** 30 === 0) return `${whole / 2 ** 30}Gi`;
  if (whole > 0 && whole % MEBIBYTE === 0) return `${whole / MEBIBYTE}Mi`;
  if (whole > 0 && whole % 1024 === 0) return `${whole / 1024}Ki`;
  return String(whole);
}

/** Memory floor after an OOM rollback: x1.2 and at least +100 MiB (VPA's OOM bump), in whole MiB. */
export function nextMemoryFloorBytes(memoryBytes: number): number {
  const bumped = Math.max(
    Math.ceil(memoryBytes * 1.2),
    memoryBytes + 100 * MEBIBYTE,
  );
  return Math.ceil(bumped / MEBIBYTE) * MEBIBYTE;
}
