/** Pseudonymous, unique client id: a bijection of the index over 32 bits, never a phone number. */
export function clientId(index: number, seed: number): string {
  const mixed = Math.imul((index ^ (seed * 0x2545f491)) >>> 0, 0x9e3779b1) >>> 0;
  return `C${mixed.toString(16).toUpperCase().padStart(8, "0")}`;
}

/** Pseudonymous reference of a party that is not a B2B client (a consumer, an employee, a bank account). */
export function partyRef(hash: number): string {
  return `P${hash.toString(36).toUpperCase().padStart(8, "0")}`;
}

export function deviceRef(hash: number): string {
  return `D${hash.toString(36).toUpperCase().padStart(8, "0")}`;
}

/** 40-bit hash of a few integers, for stable pseudonymous references. */
export function hash40(a: number, b: number, c = 0): number {
  let h = Math.imul(a ^ 0x85ebca6b, 0xcc9e2d51) ^ Math.imul(b + 0x27d4eb2f, 0x1b873593) ^ Math.imul(c + 0x165667b1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  const low = (h ^ (h >>> 15)) >>> 0;
  const high = (Math.imul(low ^ a, 0x9e3779b1) >>> 24) & 0xff;
  return high * 2 ** 32 + low;
}
