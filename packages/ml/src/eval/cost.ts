// OpenCost default prices (configs/default.json, "GCP us-central1"): CPU $0.031611 per core-hour,
// RAM $0.004237 per GB-hour (OpenCost divides bytes by 1024^3).
export const OPENCOST_CPU_PRICE_PER_CORE_HOUR_MICRO_USD = 31_611;
export const OPENCOST_RAM_PRICE_PER_GIB_HOUR_MICRO_USD = 4_237;

const GIB = 1024 ** 3;

/** Cost of holding requests for `durationS`, in micro-USD (fractional: summed before rounding). */
export function requestCostMicroUsd(input: {
  cpuRequestCores: number;
  memRequestBytes: number;
  durationS: number;
}): number {
  const hours = input.durationS / 3600;
  return (
    (input.cpuRequestCores * OPENCOST_CPU_PRICE_PER_CORE_HOUR_MICRO_USD +
      (input.memRequestBytes / GIB) *
        OPENCOST_RAM_PRICE_PER_GIB_HOUR_MICRO_USD) *
    hours
  );
}
