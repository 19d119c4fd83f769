/**
 * Standardised log features for RFM: each column goes through log1p (taming the long tails of
 * frequency and monetary value), then a z-score with the mean and population standard deviation seen
 * at fit time. The fitted parameters serialise to JSON so that clients segmented at a later date are
 * placed on the same scale as the centroids they are compared with.
 */

export interface LogStandardScalerJson {
  kind: "log1p-standard";
  names: string[];
  means: number[];
  stds: number[];
}

export type Column = ArrayLike<number>;

export class LogStandardScaler {
  readonly names: readonly string[];
  readonly means: readonly number[];
  /** Population standard deviations of log1p(value); a constant column gets 1 (its z-scores are all 0). */
  readonly stds: readonly number[];

  private constructor(names: string[], means: number[], stds: number[]) {
    this.names = Object.freeze(names);
    this.means = Object.freeze(means);
    this.stds = Object.freeze(stds);
  }

  /** Fits one column each (all of the same length); `names` label the columns in errors and in JSON. */
  static fit(columns: readonly Column[], names: readonly string[] = columns.map((_, c) => `column ${c}`)) {
    if (columns.length === 0) throw new Error("fitLogStandardScaler: no columns");
    if (names.length !== columns.length) {
      throw new Error(`fitLogStandardScaler: ${names.length} names for ${columns.length} columns`);
    }
    const n = rowCount(columns, names);
    if (n === 0) throw new Error("fitLogStandardScaler: the columns are empty");
    const means: number[] = [];
    const stds: number[] = [];
    columns.forEach((column, c) => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += logValue(column, i, names[c] as string);
      const mean = sum / n;
      let squares = 0;
      for (let i = 0; i < n; i++) squares += (Math.log1p(column[i] as number) - mean) ** 2;
      const std = Math.sqrt(squares / n);
      means.push(mean);
      stds.push(std > 0 ? std : 1);
    });
    return new LogStandardScaler([...names], means, stds);
  }

  static fromJSON(json: LogStandardScalerJson): LogStandardScaler {
    const { kind, names, means, stds } = json ?? {};
    if (kind !== "log1p-standard")
      throw new Error(`LogStandardScaler.fromJSON: kind is ${kind}, not log1p-standard`);
    const d = Array.isArray(names) ? names.length : -1;
    const valid = (xs: unknown, positive: boolean) =>
      Array.isArray(xs) &&
      xs.length === d &&
      xs.every((x) => typeof x === "number" && Number.isFinite(x) && (!positive || x > 0));
    if (d < 1 || !valid(means, false) || !valid(stds, true)) {
      throw new Error(
        "LogStandardScaler.fromJSON: expected names, means and stds of one length, finite numbers, stds > 0",
      );
    }
    return new LogStandardScaler([...names], [...means], [...stds]);
  }

  toJSON(): LogStandardScalerJson {
    return { kind: "log1p-standard", names: [...this.names], means: [...this.means], stds: [...this.stds] };
  }

  /** Scales columns (same order as at fit time) into row-major n × d points for K-means. */
  transform(columns: readonly Column[]): Float64Array {
    const d = this.names.length;
    if (columns.length !== d) {
      throw new Error(
        `LogStandardScaler.transform: ${columns.length} columns, fitted on ${d} (${this.names.join(", ")})`,
      );
    }
    const n = rowCount(columns, this.names);
    const points = new Float64Array(n * d);
    columns.forEach((column, c) => {
      const mean = this.means[c] as number;
      const std = this.stds[c] as number;
      const name = this.names[c] as string;
      for (let i = 0; i < n; i++) points[i * d + c] = (logValue(column, i, name) - mean) / std;
    });
    return points;
  }

  /** Back from scaled points (n × d, e.g. centroids) to the original units. */
  inverseTransform(points: Float64Array): Float64Array {
    const d = this.names.length;
    if (points.length % d !== 0) {
      throw new Error(
        `LogStandardScaler.inverseTransform: ${points.length} values is not a multiple of d = ${d}`,
      );
    }
    const values = new Float64Array(points.length);
    for (let i = 0; i < points.length; i++) {
      const c = i % d;
      values[i] = Math.expm1((points[i] as number) * (this.stds[c] as number) + (this.means[c] as number));
    }
    return values;
  }
}

export function fitLogStandardScaler(
  columns: readonly Column[],
  names?: readonly string[],
): LogStandardScaler {
  return LogStandardScaler.fit(columns, names);
}

function rowCount(columns: readonly Column[], names: readonly string[]): number {
  const n = (columns[0] as Column).length;
  columns.forEach((column, c) => {
    if (column.length !== n) {
      throw new Error(`log scaler: ${names[c]} has ${column.length} values, ${names[0]} has ${n}`);
    }
  });
  return n;
}

function logValue(column: Column, i: number, name: string): number {
  const value = column[i] as number;
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new Error(`log scaler: ${name}[${i}] is ${value}; RFM values must be finite and >= 0`);
  }
  return Math.log1p(value);
}
