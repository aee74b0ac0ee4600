// Display helpers for the dashboard and CLI. Locale is fixed so output is deterministic in tests.
const LOCALE = "en-US";
const MICRO_USD_PER_USD = 1_000_000;
const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

export type FormatOptions = { fractionDigits?: number };

/** Money for display: integer micro-USD -> "$1,234.57" (rounded half away from zero). */
export function formatMicroUsd(
  costMicroUsd: number,
  options: FormatOptions = {},
): string {
  const fractionDigits = options.fractionDigits ?? 2;
  return new Intl.NumberFormat(LOCALE, {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  }).format(costMicroUsd / MICRO_USD_PER_USD);
}

/**
 * The prices in effect, as the dashboard shows them (Overview, Costs settings):
 * "aws m5 ($0.0400 per vCPU-hour, $0.0050 per GiB-hour)".
 */
export function formatPrice(price: {
  provider: string;
  family: string;
  cpuCoreHourMicroUsd: number;
  memoryGibHourMicroUsd: number;
}): string {
  const rate = (microUsd: number) =>
    formatMicroUsd(microUsd, { fractionDigits: 4 });
  return `${price.provider} ${price.family} (${rate(price.cpuCoreHourMicroUsd)} per vCPU-hour, ${rate(price.memoryGibHourMicroUsd)} per GiB-hour)`;
}

/** Human-readable IEC size: 1536 -> "1.5 KiB"; whole numbers drop the fraction ("512 MiB"). */
export function formatBytes(
  memoryBytes: number,
  options: FormatOptions = {},
): string {
  const fractionDigits = options.fractionDigits ?? 1;
  const sign = memoryBytes < 0 ? "-" : "";
  let value = Math.abs(memoryBytes);
  let unitIndex = 0;
  while (value >= 1024 && unitIndex < BYTE_UNITS.length - 1) {
    value /= 1024;
    unitIndex += 1;
  }
  const text = new Intl.NumberFormat(LOCALE, {
    maximumFractionDigits: unitIndex === 0 ? 0 : fractionDigits,
  }).format(value);
  return `${sign}${text} ${BYTE_UNITS[unitIndex] ?? "B"}`;
}

/** Ratio -> percentage: 0.1234 -> "12.3%". */
export function formatPercent(
  ratio: number,
  options: FormatOptions = {},
): string {
  const fractionDigits = options.fractionDigits ?? 1;
  return new Intl.NumberFormat(LOCALE, {
    style: "percent",
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  }).format(ratio);
}

/** Millicores -> cores for display: 250 -> "0.25 vCPU", 2000 -> "2 vCPU". */
export function formatCpuCores(cpuMillicores: number): string {
  const text = new Intl.NumberFormat(LOCALE, {
    maximumFractionDigits: 3,
  }).format(cpuMillicores / 1000);
  return `${text} vCPU`;
}
