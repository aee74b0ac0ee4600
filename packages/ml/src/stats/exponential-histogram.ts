// Port of VPA's exponential and decaying histograms (vertical-pod-autoscaler/pkg/recommender/util).

export type HistogramOptions = {
  maxValue: number;
  firstBucketSize: number;
  ratio: number;
  /** Buckets lighter than this count as empty. */
  epsilon: number;
  numBuckets: number;
};

export function createExponentialHistogramOptions(input: {
  maxValue: number;
  firstBucketSize: number;
  ratio: number;
  epsilon: number;
}): HistogramOptions {
  const { maxValue, firstBucketSize, ratio, epsilon } = input;
  if (!(maxValue > 0 && firstBucketSize > 0 && ratio > 1 && epsilon > 0)) {
    throw new RangeError(
      "histogram options need maxValue > 0, firstBucketSize > 0, ratio > 1, epsilon > 0",
    );
  }
  const numBuckets =
    Math.ceil(
      Math.log((maxValue * (ratio - 1)) / firstBucketSize + 1) /
        Math.log(ratio),
    ) + 1;
  return { maxValue, firstBucketSize, ratio, epsilon, numBuckets };
}

export function findBucket(options: HistogramOptions, value: number): number {
  const { firstBucketSize, ratio, numBuckets } = options;
  if (value < firstBucketSize) return 0;
  const bucket = Math.floor(
    Math.log((value * (ratio - 1)) / firstBucketSize + 1) / Math.log(ratio),
  );
  return Math.min(bucket, numBuckets - 1);
}

export function getBucketStart(
  options: HistogramOptions,
  bucket: number,
): number {
  if (bucket < 0 || bucket >= options.numBuckets)
    throw new RangeError(`bucket ${bucket} out of range`);
  if (bucket === 0) return 0;
  const { firstBucketSize, ratio } = options;
  return (firstBucketSize * (Math.pow(ratio, bucket) - 1)) / (ratio - 1);
}

/** VPA's histogram: bucket weights, percentile = end of the bucket where the cumulative weight reaches it. */
export class Histogram {
  readonly options: HistogramOptions;
  readonly weights: Float64Array;
  totalWeight = 0;
  private minBucket: number;
  private maxBucket = 0;

  constructor(options: HistogramOptions) {
    this.options = options;
    this.weights = new Float64Array(options.numBuckets);
    this.minBucket = options.numBuckets - 1;
  }

  addSample(value: number, weight: number): void {
    if (!(weight >= 0))
      throw new RangeError(`sample weight must be >= 0, got ${weight}`);
    const bucket = findBucket(this.options, value);
    this.weights[bucket] = (this.weights[bucket] ?? 0) + weight;
    this.totalWeight += weight;
    if (
      bucket < this.minBucket &&
      (this.weights[bucket] ?? 0) >= this.options.epsilon
    )
      this.minBucket = bucket;
    if (
      bucket > this.maxBucket &&
      (this.weights[bucket] ?? 0) >= this.options.epsilon
    )
      this.maxBucket = bucket;
  }

  subtractSample(value: number, weight: number): void {
    if (!(weight >= 0))
      throw new RangeError(`sample weight must be >= 0, got ${weight}`);
    const bucket = findBucket(this.options, value);
    this.totalWeight = Math.max(0, this.totalWeight - weight);
    this.weights[bucket] = Math.max(0, (this.weights[bucket] ?? 0) - weight);
    if (bucket === this.minBucket || bucket === this.maxBucket)
      this.updateMinAndMaxBucket();
  }

  scale(factor: number): void {
    if (!(factor >= 0))
      throw new RangeError(`scale factor must be >= 0, got ${factor}`);
    for (let b = 0; b < this.weights.length; b++)
      this.weights[b] = (this.weights[b] ?? 0) * factor;
    this.totalWeight *= factor;
    this.updateMinAndMaxBucket();
  }

  isEmpty(): boolean {
    return (this.weights[this.minBucket] ?? 0) < this.options.epsilon;
  }

  percentile(q: number): number {
    if (this.isEmpty()) return 0;
    const threshold = q * this.totalWeight;
    let partialSum = 0;
    let bucket = this.minBucket;
    for (; bucket < this.maxBucket; bucket++) {
      partialSum += this.weights[bucket] ?? 0;
      if (partialSum >= threshold) break;
    }
    if (bucket < this.options.numBuckets - 1)
      return getBucketStart(this.options, bucket + 1);
    return getBucketStart(this.options, bucket);
  }

  /** End of the highest non-empty bucket (the histogram's notion of a maximum). */
  maxValue(): number {
    if (this.isEmpty()) return 0;
    const next = Math.min(this.maxBucket + 1, this.options.numBuckets - 1);
    return getBucketStart(this.options, next);
  }

  private updateMinAndMaxBucket(): void {
    const { epsilon, numBuckets } = this.options;
    let lo = 0;
    while (lo < numBuckets - 1 && (this.weights[lo] ?? 0) < epsilon) lo++;
    let hi = numBuckets - 1;
    while (hi > 0 && (this.weights[hi] ?? 0) < epsilon) hi--;
    this.minBucket = lo;
    this.maxBucket = hi;
  }
}

const MAX_DECAY_EXPONENT = 100;

/** Weights grow as 2^((t - ref)/halfLife), which is the same as decaying old samples; ref shifts before overflow. */
export class DecayingHistogram {
  readonly histogram: Histogram;
  readonly halfLifeS: number;
  private referenceTimestampS: number | null = null;

  constructor(options: HistogramOptions, halfLifeS: number) {
    if (!(halfLifeS > 0))
      throw new RangeError(`halfLifeS must be > 0, got ${halfLifeS}`);
    this.histogram = new Histogram(options);
    this.halfLifeS = halfLifeS;
  }

  addSample(value: number, weight: number, timestampS: number): void {
    this.histogram.addSample(value, weight * this.decayFactor(timestampS));
  }

  subtractSample(value: number, weight: number, timestampS: number): void {
    this.histogram.subtractSample(value, weight * this.decayFactor(timestampS));
  }

  percentile(q: number): number {
    return this.histogram.percentile(q);
  }

  isEmpty(): boolean {
    return this.histogram.isEmpty();
  }

  private decayFactor(timestampS: number): number {
    this.referenceTimestampS ??= timestampS;
    if (
      timestampS >
      this.referenceTimestampS + this.halfLifeS * MAX_DECAY_EXPONENT
    ) {
      const newReferenceS =
        Math.round(timestampS / this.halfLifeS) * this.halfLifeS;
      this.histogram.scale(
        Math.pow(
          2,
          (this.referenceTimestampS - newReferenceS) / this.halfLifeS,
        ),
      );
      this.referenceTimestampS = newReferenceS;
    }
    return Math.pow(
      2,
      (timestampS - this.referenceTimestampS) / this.halfLifeS,
    );
  }
}
