/**
 * One regression tree in flat arrays, nodes in breadth-first order. At an internal node, rows with
 * x < threshold go to `left`, the others to `left + 1`; a missing x goes left when `defaultLeft` is 1.
 */
export interface Tree {
  /** Split feature, −1 at a leaf. */
  readonly feature: Int32Array;
  /** +Infinity when the split separates missing values from all others. */
  readonly threshold: Float32Array;
  readonly defaultLeft: Uint8Array;
  /** Left child; the right child is always `left + 1`. −1 at a leaf. */
  readonly left: Int32Array;
  /** Leaf output (learning rate applied); at an internal node the cover-weighted mean of the leaves below. */
  readonly value: Float64Array;
  /** Hessian sum of the training rows reaching the node. */
  readonly cover: Float64Array;
  /** Loss reduction of the split, 0 at a leaf. */
  readonly gain: Float64Array;
}

export interface TreeJson {
  feature: number[];
  threshold: (number | null)[];
  defaultLeft: number[];
  left: number[];
  value: number[];
  cover: number[];
  gain: number[];
}

/** The leaf a row (`features[at + f]` for feature f) lands in. */
export function leafOf(tree: Tree, features: Float32Array, at: number): number {
  const { feature, threshold, defaultLeft, left } = tree;
  let node = 0;
  let f = feature[0] as number;
  while (f >= 0) {
    const x = features[at + f] as number;
    const goLeft = Number.isNaN(x) ? defaultLeft[node] === 1 : x < (threshold[node] as number);
    node = (left[node] as number) + (goLeft ? 0 : 1);
    f = feature[node] as number;
  }
  return node;
}

export function treeToJson(tree: Tree): TreeJson {
  return {
    feature: Array.from(tree.feature),
    threshold: Array.from(tree.threshold, (t) => (t === Number.POSITIVE_INFINITY ? null : t)),
    defaultLeft: Array.from(tree.defaultLeft),
    left: Array.from(tree.left),
    value: Array.from(tree.value),
    cover: Array.from(tree.cover),
    gain: Array.from(tree.gain),
  };
}

/** Rebuilds a tree and checks its shape (every child index inside the tree, after its parent). */
export function treeFromJson(json: TreeJson, cols: number, where: string): Tree {
  const n = json.feature?.length;
  if (!n) throw new Error(`${where}: a tree needs at least one node`);
  const fields = ["threshold", "defaultLeft", "left", "value", "cover", "gain"] as const;
  for (const name of fields) {
    if (!Array.isArray(json[name]) || json[name].length !== n)
      throw new Error(`${where}: ${name} must be an array of ${n} values like feature`);
  }
  const tree: Tree = {
    feature: Int32Array.from(json.feature),
    threshold: Float32Array.from(json.threshold, (t) => (t === null ? Number.POSITIVE_INFINITY : t)),
    defaultLeft: Uint8Array.from(json.defaultLeft),
    left: Int32Array.from(json.left),
    value: Float64Array.from(json.value),
    cover: Float64Array.from(json.cover),
    gain: Float64Array.from(json.gain),
  };
  for (let i = 0; i < n; i++) {
    const f = tree.feature[i] as number;
    const l = tree.left[i] as number;
    const ok = f === -1 ? l === -1 : f >= 0 && f < cols && l > i && l + 1 < n;
    if (!ok)
      throw new Error(`${where}: node ${i} has feature ${f} and left child ${l}, which is not a valid tree`);
  }
  return tree;
}
