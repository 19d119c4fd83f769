/** A small deterministic generator (mulberry32): numbers in [0, 1) from a seed, for fuzzed test inputs. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fuzzed corpus of CSV records around `valid`: each field through every value of `odd`; then `count`
 * records (ids from `id`) with one or two fields replaced by odd values, a few with a field missing or
 * added (`adjust` may set fields before that); then a blank line, spaces, a lone comma, a one-field line
 * and `valid` again.
 */
export function fuzzedRecords(options: {
  valid: readonly string[];
  odd: readonly string[];
  seed: number;
  id: (n: number) => string;
  count?: number;
  adjust?: (fields: string[], pick: <T>(xs: readonly T[]) => T, random: () => number) => void;
}): string[] {
  const { valid, odd } = options;
  const out: string[] = [valid.join(",")];
  for (let i = 0; i < valid.length; i++)
    for (const value of odd) out.push(valid.map((v, j) => (j === i ? value : v)).join(","));
  const random = seededRandom(options.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  for (let n = 0; n < (options.count ?? 1500); n++) {
    const fields = [...valid];
    fields[0] = options.id(n);
    options.adjust?.(fields, pick, random);
    for (let k = 0; k < 1 + Math.floor(random() * 2); k++)
      fields[Math.floor(random() * valid.length)] = pick(odd);
    const shape = random();
    if (shape < 0.05) fields.pop();
    else if (shape < 0.1) fields.push("extra");
    out.push(fields.join(","));
  }
  out.push("", "   ", ",", "only-one-field", valid.join(","));
  return out;
}
