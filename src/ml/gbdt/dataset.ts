/** A feature matrix with binary labels: row-major `rows × cols`, NaN marks a missing value. */
export interface Dataset {
  readonly rows: number;
  readonly cols: number;
  readonly features: Float32Array;
  /** 1 = positive (fraud), 0 = negative. */
  readonly labels: Uint8Array;
  /** Optional non-negative weight per row. */
  readonly weights?: Float32Array;
  readonly featureNames: readonly string[];
}

/** Throws an error naming the dataset (`what`) and the field that is inconsistent. */
export function checkDataset(data: Dataset, what: string): void {
  const fail = (message: string): never => {
    throw new RangeError(`${what} dataset: ${message}`);
  };
  if (!Number.isInteger(data.rows) || data.rows < 1)
    fail(`rows must be a whole number >= 1, got ${data.rows}`);
  if (!Number.isInteger(data.cols) || data.cols < 1)
    fail(`cols must be a whole number >= 1, got ${data.cols}`);
  if (data.features.length !== data.rows * data.cols)
    fail(`features holds ${data.features.length} values, expected rows × cols = ${data.rows * data.cols}`);
  if (data.labels.length !== data.rows)
    fail(`labels holds ${data.labels.length} values, expected ${data.rows}`);
  if (data.featureNames.length !== data.cols)
    fail(`featureNames holds ${data.featureNames.length} names, expected ${data.cols}`);
  for (let i = 0; i < data.rows; i++) {
    if ((data.labels[i] as number) > 1) fail(`label of row ${i} is ${data.labels[i]}; labels must be 0 or 1`);
  }
  const w = data.weights;
  if (w) {
    if (w.length !== data.rows) fail(`weights holds ${w.length} values, expected ${data.rows}`);
    for (let i = 0; i < w.length; i++) {
      const x = w[i] as number;
      if (!(x >= 0 && x < Number.POSITIVE_INFINITY))
        fail(`weight of row ${i} is ${x}; weights must be finite and >= 0`);
    }
  }
}

/** Checks that a dataset has the columns a model was trained on, in the same order. */
export function checkSameColumns(data: Dataset, featureNames: readonly string[], what: string): void {
  checkDataset(data, what);
  const mismatch = featureNames.findIndex((name, i) => data.featureNames[i] !== name);
  if (data.cols !== featureNames.length || mismatch >= 0)
    throw new RangeError(
      `${what} dataset: columns differ from training at position ${mismatch >= 0 ? mismatch : data.cols} ` +
        `(expected ${featureNames.join(", ")})`,
    );
}
