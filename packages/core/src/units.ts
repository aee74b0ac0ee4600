import { ValidationError } from "./errors";

// Kubernetes quantity grammar (apimachinery resource.Quantity): signed decimal number, then a
// binary SI suffix (Ki..Ei), a decimal exponent (e3, E-2) or a decimal SI suffix (n u m "" k M G T P E).
const QUANTITY_PATTERN =
  /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$/;
const BINARY_SUFFIX_POWERS: Record<string, bigint> = {
  Ki: 10n,
  Mi: 20n,
  Gi: 30n,
  Ti: 40n,
  Pi: 50n,
  Ei: 60n,
};
const DECIMAL_SUFFIX_EXPONENTS: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const MAX_DECIMAL_EXPONENT = 30;
const BINARY_FORMAT_SUFFIXES = [
  ["Pi", 2 ** 50],
  ["Ti", 2 ** 40],
  ["Gi", 2 ** 30],
  ["Mi", 2 ** 20],
  ["Ki", 2 ** 10],
] as const;
const DECIMAL_FORMAT_SUFFIXES = [
  ["P", 1e15],
  ["T", 1e12],
  ["G", 1e9],
  ["M", 1e6],
  ["k", 1e3],
] as const;

/** An exact rational value: numerator / denominator, denominator > 0. */
type Rational = { numerator: bigint; denominator: bigint };

function invalid(quantity: string, reason: string): ValidationError {
  return new ValidationError(
    `invalid quantity ${JSON.stringify(quantity)}: ${reason}`,
    {
      fieldErrors: { quantity: [reason] },
    },
  );
}

function decimalExponentOf(quantity: string, suffix: string): number {
  if (suffix === "" || !/^[eE][+-]?\d+$/.test(suffix)) {
    const exponent = DECIMAL_SUFFIX_EXPONENTS[suffix];
    if (exponent === undefined) throw invalid(quantity, "unknown suffix");
    return exponent;
  }
  const exponent = Number(suffix.slice(1));
  if (Math.abs(exponent) > MAX_DECIMAL_EXPONENT)
    throw invalid(quantity, "exponent out of range");
  return exponent;
}

/** Parses a quantity into an exact rational number of base units (cores or bytes). */
export function parseQuantity(quantity: string): Rational {
  const match = QUANTITY_PATTERN.exec(quantity.trim());
  if (!match)
    throw invalid(
      quantity,
      "expected a number with an optional suffix such as 250m, 1.5, 512Mi, 1G or 1e3",
    );
  const [, sign = "", digits = "", suffix = ""] = match;
  const [integerPart = "", fractionPart = ""] = digits.split(".");
  const scaled = applySuffix(quantity, suffix, {
    numerator: BigInt(`${integerPart}${fractionPart}` || "0"),
    denominator: 10n ** BigInt(fractionPart.length),
  });
  return sign === "-" ? { ...scaled, numerator: -scaled.numerator } : scaled;
}

function applySuffix(
  quantity: string,
  suffix: string,
  value: Rational,
): Rational {
  const binaryPower = BINARY_SUFFIX_POWERS[suffix];
  if (binaryPower !== undefined)
    return { ...value, numerator: value.numerator * 2n ** binaryPower };
  const exponent = decimalExponentOf(quantity, suffix);
  return exponent >= 0
    ? { ...value, numerator: value.numerator * 10n ** BigInt(exponent) }
    : { ...value, denominator: value.denominator * 10n ** BigInt(-exponent) };
}

function ceilToSafeInteger(
  quantity: string,
  value: Rational,
  scale: bigint,
): number {
  if (value.numerator < 0n) throw invalid(quantity, "must not be negative");
  const scaled = value.numerator * scale;
  const whole = (scaled + value.denominator - 1n) / value.denominator;
  if (whole > BigInt(Number.MAX_SAFE_INTEGER))
    throw invalid(quantity, "too large");
  return Number(whole);
}

/** CPU quantity -> integer millicores, rounding up like the API server does for sub-milli values. */
export function parseCpuMillicores(quantity: string): number {
  return ceilToSafeInteger(quantity, parseQuantity(quantity), 1000n);
}

/** Memory quantity -> integer bytes, rounding fractional bytes up. */
export function parseMemoryBytes(quantity: string): number {
  return ceilToSafeInteger(quantity, parseQuantity(quantity), 1n);
}

function assertNonNegativeSafeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(
      `${name} must be a non-negative safe integer, got ${value}`,
      {
        fieldErrors: { [name]: ["must be a non-negative safe integer"] },
      },
    );
  }
}

/** Canonical CPU quantity: whole cores without a suffix ("2"), otherwise millicores ("250m"). */
export function formatCpuMillicores(cpuMillicores: number): string {
  assertNonNegativeSafeInteger("cpuMillicores", cpuMillicores);
  return cpuMillicores % 1000 === 0
    ? String(cpuMillicores / 1000)
    : `${cpuMillicores}m`;
}

export type MemoryFormat = "binary" | "decimal";

/** Canonical memory quantity with the largest suffix that divides exactly ("512Mi", "1G", "1000"). */
export function formatMemoryBytes(
  memoryBytes: number,
  format: MemoryFormat = "binary",
): string {
  assertNonNegativeSafeInteger("memoryBytes", memoryBytes);
  const suffixes =
    format === "binary" ? BINARY_FORMAT_SUFFIXES : DECIMAL_FORMAT_SUFFIXES;
  for (const [suffix, factor] of suffixes) {
    if (memoryBytes > 0 && memoryBytes % factor === 0)
      return `${memoryBytes / factor}${suffix}`;
  }
  return String(memoryBytes);
}
