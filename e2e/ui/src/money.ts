// The dashboard formats integer micro-USD as en-US dollars with cents; the tests compare against
// numbers read straight from PostgreSQL, formatted the same way.
export function formatUsd(costMicroUsd: number): string {
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(costMicroUsd / 1_000_000);
}
