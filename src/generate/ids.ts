const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, "0"));
/** Crockford's base-32 alphabet: no I, L, O or U to misread. */
const BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PAIRS = Array.from({ length: 1024 }, (_, i) => `${BASE32[i >> 5]}${BASE32[i & 31]}`);

/** Pseudonymous, unique client id: a bijection of the index over 32 bits, never a phone number. */
export function clientId(index: number, seed: number): string {
  const x = Math.imul((index ^ Math.imul(seed, 0x2545f491)) >>> 0, 0x9e3779b1) >>> 0;
  return `C${HEX[x >>> 24]}${HEX[(x >>> 16) & 255]}${HEX[(x >>> 8) & 255]}${HEX[x & 255]}`;
}

/** A 40-bit number as 8 base-32 characters. */
function base32(hash: number): string {
  const high = Math.floor(hash / 2 ** 20) & 0xfffff;
  const low = hash % 2 ** 20;
  return `${PAIRS[high >>> 10]}${PAIRS[high & 1023]}${PAIRS[low >>> 10]}${PAIRS[low & 1023]}`;
}

/** Pseudonymous reference of a party that is not a B2B client (a consumer, an employee, a bank account). */
export function partyRef(hash: number): string {
  return `P${base32(hash)}`;
}

export function deviceRef(hash: number): string {
  return `D${base32(hash)}`;
}

/** 40-bit hash of a few integers, for stable pseudonymous references. */
export function hash40(a: number, b: number, c = 0): number {
  let h =
    Math.imul(a ^ 0x85ebca6b, 0xcc9e2d51) ^
    Math.imul(b + 0x27d4eb2f, 0x1b873593) ^
    Math.imul(c + 0x165667b1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  const low = (h ^ (h >>> 15)) >>> 0;
  const high = (Math.imul(low ^ a, 0x9e3779b1) >>> 24) & 0xff;
  return high * 2 ** 32 + low;
}
