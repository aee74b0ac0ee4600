// Labelled anomalies injected into real traces (seeded), for measuring the detectors.

export type SpikeLabel = { startS: number; endS: number };

/** Adds a linear leak of `bytesPerS` from `startS` on (NaN stays missing). */
export function injectLeak(input: {
  timestampsS: Float64Array;
  memBytes: Float64Array;
  startS: number;
  bytesPerS: number;
}): Float64Array {
  const out = Float64Array.from(input.memBytes);
  for (let i = 0; i < out.length; i++) {
    const t = input.timestampsS[i] ?? 0;
    if (t >= input.startS && !Number.isNaN(out[i] ?? Number.NaN))
      out[i] = (out[i] ?? 0) + (t - input.startS) * input.bytesPerS;
  }
  return out;
}

/** Adds `amount` to the CPU readings at the given sample ranges; returns the series and the labels. */
export function injectSpikes(input: {
  timestampsS: Float64Array;
  cpu: Float64Array;
  spikes: { startIndex: number; length: number; amount: number }[];
}): { cpu: Float64Array; labels: SpikeLabel[] } {
  const cpu = Float64Array.from(input.cpu);
  const labels: SpikeLabel[] = [];
  for (const spike of input.spikes) {
    const end = Math.min(cpu.length, spike.startIndex + spike.length);
    for (let i = spike.startIndex; i < end; i++)
      cpu[i] =
        (Number.isNaN(cpu[i] ?? Number.NaN) ? 0 : (cpu[i] ?? 0)) + spike.amount;
    labels.push({
      startS: input.timestampsS[spike.startIndex] ?? 0,
      endS: input.timestampsS[end - 1] ?? 0,
    });
  }
  return { cpu, labels };
}
