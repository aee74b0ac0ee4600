import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { ValidationError } from "./errors";
import {
  formatCpuMillicores,
  formatMemoryBytes,
  parseCpuMillicores,
  parseMemoryBytes,
} from "./units";

describe("parseCpuMillicores", () => {
  it.each([
    ["250m", 250],
    ["1", 1000],
    ["1.5", 1500],
    ["0.1", 100],
    [".5", 500],
    ["2.", 2000],
    ["+3", 3000],
    ["1e3", 1_000_000],
    ["1E-3", 1],
    ["1500u", 2],
    ["100n", 1],
    ["0", 0],
    ["1k", 1_000_000],
    ["0.0001", 1],
    [" 250m ", 250],
  ])("parses %s as %d millicores", (quantity, cpuMillicores) => {
    expect(parseCpuMillicores(quantity)).toBe(cpuMillicores);
  });

  it.each([
    "",
    "abc",
    "1.2.3",
    "250 m",
    "1mi",
    "-1",
    "-250m",
    "1e99",
    "1e",
    "m",
  ])("rejects %j with a ValidationError", (quantity) => {
    expect(() => parseCpuMillicores(quantity)).toThrow(ValidationError);
  });
});

describe("parseMemoryBytes", () => {
  it.each([
    ["512Mi", 512 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["1G", 1e9],
    ["128974848", 128_974_848],
    ["129e6", 129_000_000],
    ["123Ki", 125_952],
    ["1P", 1e15],
    ["2E0", 2],
    ["1.5", 2],
    ["500m", 1],
    ["4Pi", 4 * 2 ** 50],
  ])("parses %s as %d bytes", (quantity, memoryBytes) => {
    expect(parseMemoryBytes(quantity)).toBe(memoryBytes);
  });

  it("names the reason in the error", () => {
    expect(() => parseMemoryBytes("8Ei")).toThrow(/too large/);
    expect(() => parseMemoryBytes("1E")).toThrow(/too large/);
    expect(() => parseMemoryBytes("-1Gi")).toThrow(/negative/);
    expect(() => parseMemoryBytes("1GB")).toThrow(/250m, 1.5, 512Mi/);
  });
});

describe("formatCpuMillicores", () => {
  it.each([
    [0, "0"],
    [250, "250m"],
    [1000, "1"],
    [1500, "1500m"],
    [64_000, "64"],
  ])("formats %d as %s", (cpuMillicores, quantity) => {
    expect(formatCpuMillicores(cpuMillicores)).toBe(quantity);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "rejects %d",
    (value) => {
      expect(() => formatCpuMillicores(value)).toThrow(ValidationError);
    },
  );
});

describe("formatMemoryBytes", () => {
  it.each([
    [0, "binary", "0"],
    [512 * 2 ** 20, "binary", "512Mi"],
    [2 ** 30, "binary", "1Gi"],
    [1536 * 2 ** 20, "binary", "1536Mi"],
    [1000, "binary", "1000"],
    [1e9, "decimal", "1G"],
    [1_500_000, "decimal", "1500k"],
    [1024, "decimal", "1024"],
    [2 ** 52, "binary", "4Pi"],
  ] as const)("formats %d (%s) as %s", (memoryBytes, format, quantity) => {
    expect(formatMemoryBytes(memoryBytes, format)).toBe(quantity);
  });
});

describe("quantity round trips", () => {
  const safeNonNegative = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

  it("parse(format(cpu)) is the identity", () => {
    fc.assert(
      fc.property(
        safeNonNegative,
        (cpuMillicores) =>
          parseCpuMillicores(formatCpuMillicores(cpuMillicores)) ===
          cpuMillicores,
      ),
    );
  });

  it("parse(format(memory)) is the identity in both formats", () => {
    fc.assert(
      fc.property(
        safeNonNegative,
        fc.constantFrom("binary" as const, "decimal" as const),
        (memoryBytes, format) =>
          parseMemoryBytes(formatMemoryBytes(memoryBytes, format)) ===
          memoryBytes,
      ),
    );
  });

  it("format(parse(q)) is canonical: formatting again changes nothing", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom("m", "", "k", "Ki", "Mi", "Gi"),
        (value, suffix) => {
          const memoryBytes = parseMemoryBytes(`${value}${suffix}`);
          const canonical = formatMemoryBytes(memoryBytes);
          return formatMemoryBytes(parseMemoryBytes(canonical)) === canonical;
        },
      ),
    );
  });

  it("parsing is monotone in the number of millicores", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          return (
            parseCpuMillicores(`${low}m`) <=
            parseCpuMillicores(`${high / 1000}`)
          );
        },
      ),
    );
  });
});
