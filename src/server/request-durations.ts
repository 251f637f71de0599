import type { Registry } from "prom-client";

/** One label set's observations: a count per bucket (not cumulative), their sum and number. */
export interface DurationSeries {
  observe(seconds: number): void;
}

type Labels = Readonly<Record<string, string>>;

interface Series extends DurationSeries {
  readonly labels: Labels;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface MetricValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A Prometheus histogram whose observations cost a bucket search and three additions. prom-client's
 * own `observe()` allocates and hashes its labels on every call, even on a child resolved once,
 * and it ran on every request; here a series is resolved once per label set and the text is
 * built only when `/metrics` is scraped. Registered in a prom-client registry as a metric of its
 * own, so the exposition format is prom-client's.
 */
export class DurationHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    // prom-client reads name, help, type and get(); this is its documented Metric shape.
    registry.registerMetric(this as never);
  }

  /** The series of one label set, made on first use; `key` must identify `labels`. */
  series(key: string, labels: Labels): DurationSeries {
    const existing = this.#series.get(key);
    if (existing !== undefined) return existing;
    const { buckets } = this;
    const series: Series = {
      labels,
      counts: new Float64Array(buckets.length),
      sum: 0,
      count: 0,
      observe(seconds) {
        series.sum += seconds;
        series.count += 1;
        for (let index = 0; index < buckets.length; index++) {
          if (seconds <= (buckets[index] as number)) {
            (series.counts[index] as number) += 1;
            return;
          }
        }
      },
    };
    this.#series.set(key, series);
    return series;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }> {
    const values: MetricValue[] = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += series.counts[index] as number;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, ...series.labels }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: "+Inf", ...series.labels }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels: { ...series.labels }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...series.labels }, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }
}
