/** The partition kernels, run by the calling thread and by workers on their row ranges. */

export interface ScatterArgs {
  order: Uint32Array;
  /** The split feature's bin of every row. */
  column: Uint8Array;
  goesLeft: Uint8Array;
  lefts: Uint32Array;
  rights: Uint32Array;
}

/**
 * Copies the rows of order[begin..end) going left to lefts[begin..], the others to rights[begin..], both in
 * order; returns how many go left. Branch-free: each row is written to both and only its side advances.
 */
export function scatter(
  { order, column, goesLeft, lefts, rights }: ScatterArgs,
  begin: number,
  end: number,
): number {
  let l = begin;
  let r = begin;
  for (let i = begin; i < end; i++) {
    const row = order[i] as number;
    const left = goesLeft[column[row] as number] as number;
    lefts[l] = row;
    rights[r] = row;
    l += left;
    r += 1 - left;
  }
  return l - begin;
}

/** Puts the `count` left rows scattered from order[begin..end) at `leftAt`, its right rows at `rightAt`. */
export function gather(
  order: Uint32Array,
  lefts: Uint32Array,
  rights: Uint32Array,
  begin: number,
  end: number,
  count: number,
  leftAt: number,
  rightAt: number,
): void {
  order.set(lefts.subarray(begin, begin + count), leftAt);
  order.set(rights.subarray(begin, end - count), rightAt);
}
