/**
 * FNV-1a over UTF-16 units, 32 bits. Blocks are looked up by this hash alone: a
 * collision only adds a stranger to the candidates, who is then scored and loses, so
 * the index need not keep a million key strings alive.
 */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche: FNV's low bits are weak for keys that differ only at the end.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
