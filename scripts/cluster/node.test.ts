// The real node's scripts fail at once with the component's name and the path of its log, without
// touching the machine's node: node.sh pointed at a missing containerd stops before it changes
// anything, and daemon.sh (how node.sh starts containerd, the kubelet and CoreDNS and waits for
// them) is run with stand-in daemons that exit, or never come up.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

const HERE = import.meta.dirname;
let dir = "";

afterEach(() => {
  // a stand-in daemon still running (the never-ready case) ends with the test
  const pid = join(dir, "fake.pid");
  if (existsSync(pid)) {
    try {
      process.kill(Number(readFileSync(pid, "utf8")), "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function bash(script: string, env: Record<string, string> = {}) {
  dir = mkdtempSync(join(tmpdir(), "kw-node-sh-"));
  return spawnSync("bash", ["-c", script], {
    encoding: "utf8",
    env: { ...process.env, D: dir, ...env },
    timeout: 15_000,
  });
}

describe("node.sh and daemon.sh fail fast, naming the component and its log", () => {
  it("node.sh names a missing containerd binary before it changes anything", () => {
    const run = bash(`"${HERE}/node.sh" "$D/state" "$D/kubeconfig"`, {
      KUBEWISE_CONTAINERD_BIN: "/nonexistent/containerd",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "node: missing containerd binary /nonexistent/containerd",
    );
    // nothing was created, not even its state dir
    expect(existsSync(join(dir, "state"))).toBe(false);
  });

  it("a daemon that exits before it is up ends the wait at once, with its log's last lines", () => {
    // a 600 s timeout: only noticing the exit lets this finish within the test's 15 s
    const run = bash(`
      . "${HERE}/daemon.sh"
      start_bg fake sh -c 'echo "containerd: failed to listen on socket"; exit 3'
      wait_up fake 600 "its socket answered" false
    `);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("containerd: failed to listen on socket");
    expect(run.stderr).toContain(
      `node: fake exited before its socket answered; see ${dir}/fake.log`,
    );
  });

  it("a daemon that never comes up ends the wait after its timeout, naming what it waited for", () => {
    const run = bash(`
      . "${HERE}/daemon.sh"
      start_bg fake sleep 600
      wait_up fake 1 "node kw-node registered and Ready" false
    `);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `node: fake: no node kw-node registered and Ready within 1 s; see ${dir}/fake.log`,
    );
  });

  it("a daemon that comes up returns at once", () => {
    const run = bash(`
      . "${HERE}/daemon.sh"
      start_bg fake sh -c 'touch "$D/up"; exec sleep 600'
      wait_up fake 600 "up" test -e "$D/up"
      echo ready
    `);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe("ready");
  });
});
