import { Forest } from "./forest.ts";
import { sigmoid } from "./objective.ts";
import { type GbdtParams, resolveParams } from "./params.ts";
import { type Tree, type TreeJson, treeFromJson, treeToJson } from "./tree.ts";

export const MODEL_FORMAT = "momo-gbdt";
export const MODEL_VERSION = 1;

export interface GbdtModelJson {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  featureNames: string[];
  params: GbdtParams;
  baseMargin: number;
  bestIteration: number;
  trees: TreeJson[];
}

export interface Contributions {
  /** Base margin plus every tree's root value: the margin before any split is known. */
  bias: number;
  /** Per feature, the margin moved by the splits on it along the row's paths; bias + Σ values = raw margin. */
  values: Float64Array;
}

export interface Reason {
  feature: string;
  /** The row's value of the feature (NaN when missing). */
  value: number;
  contribution: number;
}

/** A trained ensemble: raw margin = baseMargin + Σ tree outputs, probability = sigmoid(margin). */
export class GbdtModel {
  readonly params: GbdtParams;
  readonly featureNames: readonly string[];
  readonly baseMargin: number;
  /** Index of the last round kept (the best one when early stopping ran). */
  readonly bestIteration: number;
  readonly trees: readonly Tree[];
  readonly #forest: Forest;

  constructor(init: {
    params: GbdtParams;
    featureNames: readonly string[];
    baseMargin: number;
    bestIteration: number;
    trees: readonly Tree[];
  }) {
    this.params = init.params;
    this.featureNames = Object.freeze([...init.featureNames]);
    this.baseMargin = init.baseMargin;
    this.bestIteration = init.bestIteration;
    this.trees = Object.freeze([...init.trees]);
    this.#forest = new Forest(this.trees, this.featureNames.length);
  }

  /** Raw margins (log-odds) of `rows` rows, `features` row-major with the training columns. */
  predictRaw(features: Float32Array, rows: number): Float64Array {
    const cols = this.featureNames.length;
    if (!Number.isInteger(rows) || rows < 0 || features.length !== rows * cols)
      throw new RangeError(
        `features holds ${features.length} values, expected rows × ${cols} = ${rows * cols}`,
      );
    const out = new Float64Array(rows).fill(this.baseMargin);
    this.#forest.addTo(out, features, rows);
    return out;
  }

  /** Probabilities of the positive class. */
  predict(features: Float32Array, rows: number): Float64Array {
    const out = this.predictRaw(features, rows);
    for (let r = 0; r < rows; r++) out[r] = sigmoid(out[r] as number);
    return out;
  }

  /**
   * Path attribution (Saabas; XGBoost's `approx_contribs`): along the row's path in each tree, the change of
   * node value at each split is credited to the split's feature.
   */
  contributions(features: Float32Array, row: number): Contributions {
    const cols = this.featureNames.length;
    const at = row * cols;
    if (!Number.isInteger(row) || row < 0 || at + cols > features.length)
      throw new RangeError(`row ${row} is outside features (${features.length / cols} rows of ${cols})`);
    const values = new Float64Array(cols);
    let bias = this.baseMargin;
    for (const tree of this.trees) {
      let node = 0;
      bias += tree.value[0] as number;
      let f = tree.feature[0] as number;
      while (f >= 0) {
        const x = features[at + f] as number;
        const goLeft = Number.isNaN(x) ? tree.defaultLeft[node] === 1 : x < (tree.threshold[node] as number);
        const child = (tree.left[node] as number) + (goLeft ? 0 : 1);
        values[f] = (values[f] as number) + (tree.value[child] as number) - (tree.value[node] as number);
        node = child;
        f = tree.feature[node] as number;
      }
    }
    return { bias, values };
  }

  /** The `n` features that pushed this row's score up the most, largest contribution first. */
  topReasons(features: Float32Array, row: number, n = 3): Reason[] {
    const { values } = this.contributions(features, row);
    const cols = this.featureNames.length;
    return Array.from(values, (contribution, f) => ({
      feature: this.featureNames[f] as string,
      value: features[row * cols + f] as number,
      contribution,
    }))
      .sort((a, b) => b.contribution - a.contribution)
      .slice(0, n);
  }

  /** Total split gain per feature, largest first (features never split on have 0). */
  featureImportance(): { feature: string; gain: number }[] {
    const gain = new Float64Array(this.featureNames.length);
    for (const tree of this.trees) {
      for (let i = 0; i < tree.feature.length; i++) {
        const f = tree.feature[i] as number;
        if (f >= 0) gain[f] = (gain[f] as number) + (tree.gain[i] as number);
      }
    }
    return Array.from(gain, (g, f) => ({ feature: this.featureNames[f] as string, gain: g })).sort(
      (a, b) => b.gain - a.gain,
    );
  }

  toJSON(): GbdtModelJson {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      featureNames: [...this.featureNames],
      params: this.params,
      baseMargin: this.baseMargin,
      bestIteration: this.bestIteration,
      trees: this.trees.map(treeToJson),
    };
  }

  /** Rebuilds a model from `toJSON()` output (parsed), checking its format and every tree. */
  static fromJSON(json: unknown): GbdtModel {
    const j = json as Partial<GbdtModelJson> | null;
    if (!j || j.format !== MODEL_FORMAT || j.version !== MODEL_VERSION)
      throw new Error(`not a ${MODEL_FORMAT} model of version ${MODEL_VERSION}`);
    if (!Array.isArray(j.featureNames) || !j.featureNames.every((n) => typeof n === "string"))
      throw new Error("model JSON: featureNames must be an array of strings");
    if (typeof j.baseMargin !== "number" || !Number.isFinite(j.baseMargin))
      throw new Error("model JSON: baseMargin must be a finite number");
    if (!Array.isArray(j.trees) || j.trees.length === 0)
      throw new Error("model JSON: trees must be a non-empty array");
    if (j.bestIteration !== j.trees.length - 1)
      throw new Error(`model JSON: bestIteration ${j.bestIteration} does not match ${j.trees.length} trees`);
    let params: GbdtParams;
    try {
      params = resolveParams(j.params ?? {});
    } catch (cause) {
      throw new Error("model JSON: params are invalid", { cause });
    }
    const cols = j.featureNames.length;
    const trees = j.trees.map((t, i) => treeFromJson(t, cols, `model JSON: tree ${i}`));
    return new GbdtModel({
      params,
      featureNames: j.featureNames,
      baseMargin: j.baseMargin,
      bestIteration: j.bestIteration,
      trees,
    });
  }
}
