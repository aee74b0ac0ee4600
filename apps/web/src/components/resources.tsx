import { formatBytes, formatCpuCores } from "@kubewise/core";

export function Cpu({ millicores }: { millicores: number | null }) {
  return <>{millicores === null ? "—" : formatCpuCores(millicores)}</>;
}

export function Memory({ bytes }: { bytes: number | null }) {
  return <>{bytes === null ? "—" : formatBytes(bytes)}</>;
}

const CORES = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** "current → recommended" on two short lines; units live in the column header. */
export function Change({
  resource,
  current,
  recommended,
}: {
  resource: "cpu" | "memory";
  current: number | null;
  recommended: number | null;
}) {
  const show = (value: number | null) =>
    value === null
      ? "—"
      : resource === "cpu"
        ? CORES.format(value / 1000)
        : formatBytes(value);
  return (
    <span className="change">
      <span className="was">{show(current)}</span>
      <span className="now">→ {show(recommended)}</span>
    </span>
  );
}
