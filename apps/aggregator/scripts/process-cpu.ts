// CPU seconds of processes from /proc (Linux), so the bench can say where its time went.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const TICKS_PER_SECOND = 100;

type ProcStat = { pid: number; ppid: number; cpuSeconds: number };

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which sits in parentheses and may contain spaces.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return {
      pid,
      ppid: Number(fields[1]),
      // utime + stime + cutime + cstime: reaped children (closed backends) still count.
      cpuSeconds:
        (Number(fields[11]) +
          Number(fields[12]) +
          Number(fields[13]) +
          Number(fields[14])) /
        TICKS_PER_SECOND,
    };
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** CPU seconds (user + system) of a process and all its live descendants. */
export function treeCpuSeconds(rootPid: number): number {
  const all = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((s): s is ProcStat => s !== undefined);
  const tree = new Set([rootPid]);
  for (let grown = true; grown;) {
    grown = false;
    for (const s of all)
      if (!tree.has(s.pid) && tree.has(s.ppid))
        grown = tree.add(s.pid) !== null;
  }
  return all
    .filter((s) => tree.has(s.pid))
    .reduce((sum, s) => sum + s.cpuSeconds, 0);
}

/** The postmaster pid of a PostgreSQL data directory (first line of postmaster.pid). */
export function postmasterPid(dataDir: string): number {
  const pid = Number(
    readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0],
  );
  if (!Number.isInteger(pid) || pid <= 0)
    throw new Error(`no postmaster pid in ${dataDir}`);
  return pid;
}
