import { describe, expect, it } from "vitest";

import {
  formatBytes,
  formatCpuCores,
  formatMicroUsd,
  formatPercent,
  formatPrice,
} from "./format";

describe("formatPrice", () => {
  it("names the list price and both hourly rates to 4 decimals", () => {
    expect(
      formatPrice({
        provider: "aws",
        family: "m5",
        cpuCoreHourMicroUsd: 40_000,
        memoryGibHourMicroUsd: 5_360,
      }),
    ).toBe("aws m5 ($0.0400 per vCPU-hour, $0.0054 per GiB-hour)");
  });
});

describe("formatMicroUsd", () => {
  it.each([
    [0, "$0.00"],
    [1_234_567_890, "$1,234.57"],
    [-12_000_000, "-$12.00"],
    [4_999, "$0.00"],
    [5_000, "$0.01"],
  ])("formats %d micro-USD as %s", (costMicroUsd, text) => {
    expect(formatMicroUsd(costMicroUsd)).toBe(text);
  });

  it("honours fractionDigits", () => {
    expect(formatMicroUsd(1_234_567_890, { fractionDigits: 0 })).toBe("$1,235");
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1,023 B"],
    [1536, "1.5 KiB"],
    [512 * 2 ** 20, "512 MiB"],
    [1.25 * 2 ** 30, "1.3 GiB"],
    [-(2 ** 20), "-1 MiB"],
    [2 ** 60, "1,024 PiB"],
  ])("formats %d bytes as %s", (memoryBytes, text) => {
    expect(formatBytes(memoryBytes)).toBe(text);
  });
});

describe("formatPercent and formatCpuCores", () => {
  it.each([
    [0.1234, "12.3%"],
    [1, "100.0%"],
    [-0.05, "-5.0%"],
  ])("formats ratio %d as %s", (ratio, text) => {
    expect(formatPercent(ratio)).toBe(text);
  });

  it.each([
    [250, "0.25 vCPU"],
    [2000, "2 vCPU"],
    [1, "0.001 vCPU"],
  ])("formats %d millicores as %s", (cpuMillicores, text) => {
    expect(formatCpuCores(cpuMillicores)).toBe(text);
  });
});
