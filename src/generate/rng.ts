/**
 * sfc32, a small fast counting PRNG (PractRand-clean, period ≥ 2^32), seeded through splitmix32 so
 * that nearby seeds give unrelated streams. Everything random in the generator draws from one of these.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spareNormal = Number.NaN;

  constructor(...seedParts: number[]) {
    let h = 0x9e3779b9;
    for (const part of seedParts) h = splitmix32(h ^ splitmix32(part >>> 0));
    this.#a = splitmix32(h + 1);
    this.#b = splitmix32(h + 2);
    this.#c = splitmix32(h + 3);
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Marsaglia polar method, caching the second value). */
  normal(): number {
    if (!Number.isNaN(this.#spareNormal)) {
      const spare = this.#spareNormal;
      this.#spareNormal = Number.NaN;
      return spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = this.next() * 2 - 1;
      v = this.next() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spareNormal = v * f;
    return u * f;
  }

  /** Log-normal with the given median and log-scale sigma. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Poisson count with mean `lambda` (inversion below 30, normal approximation above). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

export function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Draws indices in proportion to fixed weights in O(log n) (cumulative table + binary search). */
export class WeightedTable {
  readonly #cumulative: Float64Array;
  readonly total: number;

  constructor(weights: ArrayLike<number>) {
    this.#cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i] as number;
      if (!(w >= 0)) throw new Error(`weight ${i} is ${w}; weights must be >= 0`);
      sum += w;
      this.#cumulative[i] = sum;
    }
    if (sum <= 0) throw new Error("weights sum to zero");
    this.total = sum;
  }

  draw(rng: Rng): number {
    const target = rng.next() * this.total;
    const c = this.#cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((c[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
