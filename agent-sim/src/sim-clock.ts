/** Deterministic 32-bit hash of a string (FNV-1a), for per-device outcomes that do not change between polls. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A value in [0, 1) derived from `key`. */
export function unit(key: string): number {
  return hash32(key) / 4294967296;
}
