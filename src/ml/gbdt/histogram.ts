/**
 * Gradient and hessian sums per bin of one node, interleaved: slot 2·s holds the gradient sum of histogram
 * slot s, 2·s + 1 its hessian sum (slots as in BinCuts.histStart).
 */
export type Histogram = Float64Array;

/** What building a histogram reads: BinnedMatrix.data and .cols, BinCuts.histStart. */
export interface RowSlots {
  readonly data: Uint16Array | Uint32Array;
  readonly cols: number;
  readonly histStart: Uint32Array;
}

/**
 * Sums the interleaved gradient pairs `gradHess` (gradient of row r at 2·r, hessian at 2·r + 1) of rows
 * `order[begin..end)` into `hist`, for `features` only. Row by row: a row's slots are contiguous and its
 * gradient pair is read once for all features (measured about twice as fast as feature by feature over a
 * column-major matrix), four features per step so that independent additions overlap.
 */
export function buildHistogram(
  hist: Histogram,
  slots: RowSlots,
  features: Int32Array,
  order: Uint32Array,
  begin: number,
  end: number,
  gradHess: Float32Array,
): void {
  const { histStart, data, cols } = slots;
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number;
    hist.fill(0, 2 * (histStart[f] as number), 2 * (histStart[f + 1] as number));
  }
  if (features.length === cols) addAllFeatures(hist, data, cols, order, begin, end, gradHess);
  else addSomeFeatures(hist, data, cols, features, order, begin, end, gradHess);
}

/** `into += other` over the slots of `features`: partial histograms of one node summed. */
export function addHistogram(
  into: Histogram,
  other: Histogram,
  histStart: Uint32Array,
  features: Int32Array,
): void {
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number;
    const to = 2 * (histStart[f + 1] as number);
    for (let s = 2 * (histStart[f] as number); s < to; s++)
      into[s] = (into[s] as number) + (other[s] as number);
  }
}

function addAllFeatures(
  hist: Histogram,
  slots: Uint16Array | Uint32Array,
  cols: number,
  order: Uint32Array,
  begin: number,
  end: number,
  gradHess: Float32Array,
): void {
  const cols4 = cols - (cols % 4);
  for (let i = begin; i < end; i++) {
    const r = order[i] as number;
    const g = gradHess[2 * r] as number;
    const h = gradHess[2 * r + 1] as number;
    const base = r * cols;
    let k = base;
    for (const stop = base + cols4; k < stop; k += 4) {
      const s0 = (slots[k] as number) << 1;
      const s1 = (slots[k + 1] as number) << 1;
      const s2 = (slots[k + 2] as number) << 1;
      const s3 = (slots[k + 3] as number) << 1;
      hist[s0] = (hist[s0] as number) + g;
      hist[s0 + 1] = (hist[s0 + 1] as number) + h;
      hist[s1] = (hist[s1] as number) + g;
      hist[s1 + 1] = (hist[s1 + 1] as number) + h;
      hist[s2] = (hist[s2] as number) + g;
      hist[s2 + 1] = (hist[s2 + 1] as number) + h;
      hist[s3] = (hist[s3] as number) + g;
      hist[s3 + 1] = (hist[s3 + 1] as number) + h;
    }
    for (const stop = base + cols; k < stop; k++) {
      const s = (slots[k] as number) << 1;
      hist[s] = (hist[s] as number) + g;
      hist[s + 1] = (hist[s + 1] as number) + h;
    }
  }
}

function addSomeFeatures(
  hist: Histogram,
  slots: Uint16Array | Uint32Array,
  cols: number,
  features: Int32Array,
  order: Uint32Array,
  begin: number,
  end: number,
  gradHess: Float32Array,
): void {
  const nf = features.length;
  const nf4 = nf - (nf % 4);
  for (let i = begin; i < end; i++) {
    const r = order[i] as number;
    const g = gradHess[2 * r] as number;
    const h = gradHess[2 * r + 1] as number;
    const base = r * cols;
    let k = 0;
    for (; k < nf4; k += 4) {
      const s0 = (slots[base + (features[k] as number)] as number) << 1;
      const s1 = (slots[base + (features[k + 1] as number)] as number) << 1;
      const s2 = (slots[base + (features[k + 2] as number)] as number) << 1;
      const s3 = (slots[base + (features[k + 3] as number)] as number) << 1;
      hist[s0] = (hist[s0] as number) + g;
      hist[s0 + 1] = (hist[s0 + 1] as number) + h;
      hist[s1] = (hist[s1] as number) + g;
      hist[s1 + 1] = (hist[s1 + 1] as number) + h;
      hist[s2] = (hist[s2] as number) + g;
      hist[s2 + 1] = (hist[s2 + 1] as number) + h;
      hist[s3] = (hist[s3] as number) + g;
      hist[s3 + 1] = (hist[s3 + 1] as number) + h;
    }
    for (; k < nf; k++) {
      const s = (slots[base + (features[k] as number)] as number) << 1;
      hist[s] = (hist[s] as number) + g;
      hist[s + 1] = (hist[s + 1] as number) + h;
    }
  }
}

/** `into −= other` over the slots of `features`: the sibling's histogram from its parent's. */
export function subtractHistogram(
  into: Histogram,
  other: Histogram,
  histStart: Uint32Array,
  features: Int32Array,
): void {
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number;
    const to = 2 * (histStart[f + 1] as number);
    for (let s = 2 * (histStart[f] as number); s < to; s++)
      into[s] = (into[s] as number) - (other[s] as number);
  }
}
