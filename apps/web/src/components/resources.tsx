import { formatBytes, formatCpuCores } from "@kubewise/core";

export function Cpu({ millicores }: { millicores: number | null }) {
  return <>{millicores === null ? "—" : formatCpuCores(millicores)}</>;
}

export function Memory({ bytes }: { bytes: number | null }) {
  return <>{bytes === null ? "—" : formatBytes(bytes)}</>;
}
