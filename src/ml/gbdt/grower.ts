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
  /**
   * Splits whose children are leaves at the depth limit. Their rows, `order[begin..end)`, are not
   * partitioned: each goes to `left` or `left + 1` by its bin of `feature`.
   */
  readonly bottomSplits: readonly BottomSplit[];
}

export interface BottomSplit {
  readonly begin: number;
  readonly end: number;
  readonly feature: number;
  readonly bin: number;
  readonly defaultLeft: boolean;
  readonly left: number;
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
  readonly #histograms: Histogram[] = [];
  readonly #goesLeft = new Uint8Array(256);

  constructor(binned: BinnedMatrix, workspace: Workspace, settings: GrowerSettings) {
    this.#binned = binned;
    this.#workspace = workspace;
    this.#settings = settings;
  }

  /**
   * Grows one tree on the first `count` rows of the workspace's `order` (set by the caller), with its
   * gradient pairs, over `features` only. Leaves the rows of `order` grouped by node (down to the splits
   * above the depth limit).
   */
  grow(count: number, features: Int32Array): GrownTree {
    const { order, gradHess } = this.#workspace;
    const { learningRate, lambda } = this.#settings;
    const nodes = new NodeList();
    const leaves: { node: number; begin: number; end: number }[] = [];
    const bottomSplits: BottomSplit[] = [];
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
        if (node.depth + 1 < this.#settings.maxDepth) next.push(...this.#split(node, split, nodes, features));
        else bottomSplits.push(this.#splitIntoLeaves(node, split, nodes));
      }
      level = next;
    }
    return { tree: nodes.finish(), splitBin: Int32Array.from(nodes.splitBin), leaves, bottomSplits };
  }

  /** Records the split in the tree and returns the id of its left child (the right one follows). */
  #addSplit(node: OpenNode, split: SplitCandidate, nodes: NodeList): number {
    const featureCuts = this.#binned.cuts.cuts[split.feature] as Float32Array;
    const threshold =
      split.bin < featureCuts.length ? (featureCuts[split.bin] as number) : Number.POSITIVE_INFINITY;
    const leftId = nodes.add();
    nodes.add();
    nodes.internal(node.id, split, threshold, leftId, node.hess);
    return leftId;
  }

  /** A split at the depth limit: two leaves, no partition, the node's histogram back to the pool. */
  #splitIntoLeaves(node: OpenNode, split: SplitCandidate, nodes: NodeList): BottomSplit {
    const { learningRate, lambda } = this.#settings;
    const left = this.#addSplit(node, split, nodes);
    nodes.leaf(left, (-split.leftGrad / (split.leftHess + lambda)) * learningRate, split.leftHess);
    nodes.leaf(left + 1, (-split.rightGrad / (split.rightHess + lambda)) * learningRate, split.rightHess);
    if (node.hist) this.#histograms.push(node.hist);
    const { feature, bin, defaultLeft } = split;
    return { begin: node.begin, end: node.end, feature, bin, defaultLeft, left };
  }

  #split(node: OpenNode, split: SplitCandidate, nodes: NodeList, features: Int32Array) {
    const cuts = this.#binned.cuts;
    const leftId = this.#addSplit(node, split, nodes);
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
    const [small, large] = mid - node.begin <= node.end - mid ? [left, right] : [right, left];
    small.hist = this.#build(small, features);
    subtractHistogram(parentHist, small.hist, cuts.histStart, features);
    large.hist = parentHist;
    return [left, right];
  }

  #build(node: OpenNode, features: Int32Array): Histogram {
    const hist =
      this.#histograms.pop() ?? new Float64Array(2 * (this.#binned.cuts.histStart.at(-1) as number));
    this.#workspace.buildHistogram(hist, features, node.begin, node.end);
    return hist;
  }

  /** Partitions the node's rows by the split (left rows first); returns where the right rows start. */
  #partition(node: OpenNode, split: SplitCandidate): number {
    const goesLeft = this.#goesLeft;
    const missing = (this.#binned.cuts.cuts[split.feature] as Float32Array).length + 1;
    for (let b = 0; b < goesLeft.length; b++)
      goesLeft[b] = b === missing ? (split.defaultLeft ? 1 : 0) : b <= split.bin ? 1 : 0;
    return this.#workspace.partition(node.begin, node.end, split.feature, goesLeft);
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
