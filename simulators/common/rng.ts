/**
 * Deterministic randomness for the simulators. Everything generated from a seed must be the same
 * on every run and every machine, so tests can name a resident by index and fault sequences
 * can be replayed; Math.random() is never used for data.
 */

/** 32-bit string hash (FNV-1a), used to turn a textual seed into a number. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Stateless mix of (seed, index, salt) → uint32 — lets a resident be derived by index alone. */
export function mix(seed: number, index: number, salt: number): number {
  let h = (seed ^ Math.imul(index, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Uniform float in [0, 1) from the same inputs as mix(). */
export function mixFloat(seed: number, index: number, salt: number): number {
  return mix(seed, index, salt) / 4294967296;
}

/** A seeded sequential generator (mulberry32) for fault draws: same seed → same outcomes. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(items: readonly T[], n: number): T {
  return items[n % items.length] as T;
}
