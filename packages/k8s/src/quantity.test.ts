import { describe, expect, it } from "vitest";

import {
  formatCpuMillicores,
  formatMemoryBytes,
  nextMemoryFloorBytes,
  parseCpuMillicores,
  parseMemoryBytes,
} from "./quantity";

const MI = 2 ** 20;

describe("nextMemoryFloorBytes", () => {
  it.each([
    [128 * MI, 228 * MI],
    [500 * MI, 600 * MI],
    [1024 * MI, 1229 * MI],
    [0, 100 * MI],
  ])("bumps %d bytes to %d (x1.2, at least +100 MiB)", (before, after) => {
    expect(nextMemoryFloorBytes(before)).toBe(after);
  });
});

describe("quantities", () => {
  it.each([
    ["250m", 250],
    ["1", 1000],
    ["1.5", 1500],
    ["0.1", 100],
  ])("parses CPU %s as %d millicores", (q, m) => {
    expect(parseCpuMillicores(q)).toBe(m);
  });

  it.each([
    ["512Mi", 512 * MI],
    ["1Gi", 2 ** 30],
    ["1G", 1e9],
    ["128974848", 128974848],
  ])("parses memory %s as %d bytes", (q, b) => {
    expect(parseMemoryBytes(q)).toBe(b);
  });

  it("rejects malformed quantities", () => {
    expect(() => parseMemoryBytes("12 Mi")).toThrow(/invalid quantity/);
    expect(() => parseCpuMillicores("-1")).toThrow(/invalid quantity/);
  });

  it.each([
    [250, "250m"],
    [1000, "1"],
  ])("formats %d millicores as %s", (m, q) => {
    expect(formatCpuMillicores(m)).toBe(q);
  });

  it.each([
    [2 ** 30, "1Gi"],
    [384 * MI, "384Mi"],
    [1536, "1536"],
  ])("formats %d bytes as %s", (b, q) => {
    expect(formatMemoryBytes(b)).toBe(q);
  });
});
