import type { BinnedMatrix } from "./binning.ts";
import { type Histogram, subtractHistogram } from "./histogram.ts";
import { findBestSplit, type SplitCandidate, type SplitRules } from "./split.ts";
import type { Tree } from "./tree.ts";
import type { Workspace } from "./workspace.ts";

export interface GrowerSettings extends SplitRules {
  readonly maxDepth: number;
  readonly learningRate: number;
}

/** A tree just grown, with what training needs beyond the tree itself. */
export interface GrownTree {
  readonly tree: Tree;
  /** The split bin of each internal node (−1 at leaves), to route rows by their bins. */
  readonly splitBin: Int32Array;
  /** Each leaf and the range of `order` holding the rows that reached it. */
  readonly leaves: readonly { node: number; begin: number; end: number }[];
}

interface OpenNode {
  id: number;
  depth: number;
  begin: number;
  end: number;
  grad: number;
  hess: number;
  hist: Histogram | undefined;
}

/**
 * Grows trees depth-wise on one binned matrix. Each node owns a contiguous range of `order` (row ids in
 * ascending order); a split partitions the range stably, builds the histogram of the smaller child and gets
 * the larger one's by subtraction from the parent's. Buffers are reused from tree to tree.
 */
export class TreeGrower {
  readonly #binned: BinnedMatrix;
  readonly #settings: GrowerSettings;
  readonly #workspace: Workspace;
  readonly #spare: Uint32Array;
  readonly #histograms: Histogram[] = [];
  readonly #goesLeft = new Uint8Array(256);

  constructor(binned: BinnedMatrix, workspace: Workspace, settings: GrowerSettings) {
    this.#binned = binned;
    this.#workspace = workspace;
    this.#settings = settings;
    this.#spare = new Uint32Array(binned.rows);
  }

  /**
   * Grows one tree on the first `count` rows of the workspace's `order` (set by the caller), with its
   * gradient pairs, over `features` only. Leaves the rows of `order` grouped by node.
   */
  grow(count: number, features: Int32Array): GrownTree {
    const { order, gradHess } = this.#workspace;
    const { learningRate, lambda } = this.#settings;
    const nodes = new NodeList();
    const leaves: { node: number; begin: number; end: number }[] = [];
    const root: OpenNode = {
      id: nodes.add(),
      depth: 0,
      begin: 0,
      end: count,
      grad: 0,
      hess: 0,
      hist: undefined,
    };
    for (let i = 0; i < count; i++) {
      const r = order[i] as number;
      root.grad += gradHess[2 * r] as number;
      root.hess += gradHess[2 * r + 1] as number;
    }
    root.hist = this.#build(root, features);
    let level: OpenNode[] = [root];
    while (level.length > 0) {
      const next: OpenNode[] = [];
      for (const node of level) {
        const split =
          node.hist &&
          findBestSplit(node.hist, this.#binned.cuts, features, node.grad, node.hess, this.#settings);
        if (!split) {
          nodes.leaf(node.id, (-node.grad / (node.hess + lambda)) * learningRate, node.hess);
          leaves.push({ node: node.id, begin: node.begin, end: node.end });
          if (node.hist) this.#histograms.push(node.hist);
          continue;
        }
        next.push(...this.#split(node, split, nodes, features));
      }
      level = next;
    }
    return { tree: nodes.finish(), splitBin: Int32Array.from(nodes.splitBin), leaves };
  }

  #split(node: OpenNode, split: SplitCandidate, nodes: NodeList, features: Int32Array) {
    const cuts = this.#binned.cuts;
    const featureCuts = cuts.cuts[split.feature] as Float32Array;
    const threshold =
      split.bin < featureCuts.length ? (featureCuts[split.bin] as number) : Number.POSITIVE_INFINITY;
    const leftId = nodes.add();
    nodes.add();
    nodes.internal(node.id, split, threshold, leftId, node.hess);
    const mid = this.#partition(node, split);
    const depth = node.depth + 1;
    const left: OpenNode = {
      id: leftId,
      depth,
      begin: node.begin,
      end: mid,
      grad: split.leftGrad,
      hess: split.leftHess,
      hist: undefined,
    };
    const right: OpenNode = {
      id: leftId + 1,
      depth,
      begin: mid,
      end: node.end,
      grad: split.rightGrad,
      hess: split.rightHess,
      hist: undefined,
    };
    const parentHist = node.hist as Histogram;
    if (depth >= this.#settings.maxDepth) this.#histograms.push(parentHist);
    else {
      const [small, large] = mid - node.begin <= node.end - mid ? [left, right] : [right, left];
      small.hist = this.#build(small, features);
      subtractHistogram(parentHist, small.hist, cuts.histStart, features);
      large.hist = parentHist;
    }
    return [left, right];
  }

  #build(node: OpenNode, features: Int32Array): Histogram {
    const hist =
      this.#histograms.pop() ?? new Float64Array(2 * (this.#binned.cuts.histStart.at(-1) as number));
    this.#workspace.buildHistogram(hist, features, node.begin, node.end);
    return hist;
  }

  /**
   * Stable partition of the node's rows, left rows first; returns where the right rows start. Branch-free:
   * each row is written to both sides and only the side it belongs to advances.
   */
  #partition(node: OpenNode, split: SplitCandidate): number {
    const { rows, columns } = this.#binned;
    const goesLeft = this.#goesLeft;
    const missing = (this.#binned.cuts.cuts[split.feature] as Float32Array).length + 1;
    for (let b = 0; b < goesLeft.length; b++)
      goesLeft[b] = b === missing ? (split.defaultLeft ? 1 : 0) : b <= split.bin ? 1 : 0;
    const column = columns.subarray(split.feature * rows, (split.feature + 1) * rows);
    const order = this.#workspace.order;
    const spare = this.#spare;
    let l = node.begin;
    let r = 0;
    for (let i = node.begin; i < node.end; i++) {
      const row = order[i] as number;
      const left = goesLeft[column[row] as number] as number;
      order[l] = row;
      spare[r] = row;
      l += left;
      r += 1 - left;
    }
    order.set(spare.subarray(0, r), l);
    return l;
  }
}

/** Nodes of the tree being grown, in creation order (breadth-first: children after their parent). */
class NodeList {
  readonly feature: number[] = [];
  readonly threshold: number[] = [];
  readonly defaultLeft: number[] = [];
  readonly left: number[] = [];
  readonly value: number[] = [];
  readonly cover: number[] = [];
  readonly gain: number[] = [];
  readonly splitBin: number[] = [];

  add(): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.defaultLeft.push(0);
    this.left.push(-1);
    this.value.push(0);
    this.cover.push(0);
    this.gain.push(0);
    this.splitBin.push(-1);
    return this.feature.length - 1;
  }

  leaf(id: number, value: number, cover: number): void {
    this.value[id] = value;
    this.cover[id] = cover;
  }

  internal(id: number, split: SplitCandidate, threshold: number, left: number, cover: number): void {
    this.feature[id] = split.feature;
    this.threshold[id] = threshold;
    this.defaultLeft[id] = split.defaultLeft ? 1 : 0;
    this.left[id] = left;
    this.cover[id] = cover;
    this.gain[id] = split.gain;
    this.splitBin[id] = split.bin;
  }

  /** Typed arrays, with each internal node's value set to the cover-weighted mean of its children. */
  finish(): Tree {
    const value = Float64Array.from(this.value);
    for (let id = this.feature.length - 1; id >= 0; id--) {
      const l = this.left[id] as number;
      if (l < 0) continue;
      const cl = this.cover[l] as number;
      const cr = this.cover[l + 1] as number;
      value[id] = cl + cr > 0 ? ((value[l] as number) * cl + (value[l + 1] as number) * cr) / (cl + cr) : 0;
    }
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float32Array.from(this.threshold),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      left: Int32Array.from(this.left),
      value,
      cover: Float64Array.from(this.cover),
      gain: Float64Array.from(this.gain),
    };
  }
}
