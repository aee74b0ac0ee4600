import { describe, expect, it } from "vitest";

import {
  createExponentialHistogramOptions,
  DecayingHistogram,
  findBucket,
  getBucketStart,
  Histogram,
} from "./exponential-histogram";

const cpuOptions = createExponentialHistogramOptions({
  maxValue: 1000,
  firstBucketSize: 0.01,
  ratio: 1.05,
  epsilon: 1e-4,
});
const memOptions = createExponentialHistogramOptions({
  maxValue: 1e12,
  firstBucketSize: 1e7,
  ratio: 1.05,
  epsilon: 1e-4,
});

describe("exponential histogram options (VPA)", () => {
  it("has the bucket counts derived from VPA's formula", () => {
    expect(cpuOptions.numBuckets).toBe(176);
    expect(memOptions.numBuckets).toBe(176);
  });

  it.each([
    { value: 0, bucket: 0 },
    { value: 0.0099, bucket: 0 },
    { value: 0.01, bucket: 1 },
    { value: 0.021, bucket: 2 },
    { value: 1e9, bucket: 175 },
  ])("puts $value cores in bucket $bucket", ({ value, bucket }) => {
    expect(findBucket(cpuOptions, value)).toBe(bucket);
  });

  it("starts bucket n at first*(ratio^n - 1)/(ratio - 1)", () => {
    expect(getBucketStart(cpuOptions, 1)).toBeCloseTo(0.01, 12);
    expect(getBucketStart(cpuOptions, 2)).toBeCloseTo(0.0205, 12);
  });
});

describe("Histogram.percentile", () => {
  it("returns the end of the bucket where the cumulative weight reaches the percentile", () => {
    const h = new Histogram(cpuOptions);
    h.addSample(0.015, 1);
    h.addSample(0.5, 1);
    // p50: cumulative weight 1 of 2 reached in bucket 1 -> end of bucket 1 = start of bucket 2.
    expect(h.percentile(0.5)).toBeCloseTo(0.0205, 12);
    expect(h.percentile(0.9)).toBeCloseTo(
      getBucketStart(cpuOptions, findBucket(cpuOptions, 0.5) + 1),
      12,
    );
  });

  it("is empty (percentile 0) before any sample and after subtracting it", () => {
    const h = new Histogram(memOptions);
    expect(h.percentile(0.9)).toBe(0);
    h.addSample(5e8, 1);
    h.subtractSample(5e8, 1);
    expect(h.isEmpty()).toBe(true);
  });
});

describe("DecayingHistogram", () => {
  it("weighs a sample one half-life older half as much", () => {
    const h = new DecayingHistogram(cpuOptions, 3600);
    h.addSample(1, 1, 0);
    h.addSample(2, 1, 3600);
    const w = h.histogram.weights;
    expect(
      w[findBucket(cpuOptions, 2)]! / w[findBucket(cpuOptions, 1)]!,
    ).toBeCloseTo(2, 12);
  });

  it("keeps percentiles stable across a reference shift (far-apart timestamps)", () => {
    const h = new DecayingHistogram(cpuOptions, 60);
    h.addSample(1, 1, 0);
    h.addSample(1, 1, 60 * 150);
    h.addSample(3, 1, 60 * 150);
    expect(Number.isFinite(h.histogram.totalWeight)).toBe(true);
    expect(h.percentile(0.4)).toBeCloseTo(
      getBucketStart(cpuOptions, findBucket(cpuOptions, 1) + 1),
      12,
    );
  });
});
