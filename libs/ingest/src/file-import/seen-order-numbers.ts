/** Two independent 32-bit lanes of a multiplicative string hash (cyrb53's mixing, kept 64-bit). */
function hash64(s: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

const INITIAL_SLOTS = 1 << 14;

/**
 * The order numbers a file has finished, each with the line its rows started on: what the
 * grouper needs to call a number that comes back `split_order`. A file may hold millions of
 * orders, so a number is kept as a 64-bit fingerprint in typed arrays (open addressing, 24–48
 * bytes a number, a fraction of a Map of strings); two numbers of one file would have to share
 * all 64 bits to be mistaken for each other (odds about n² / 2⁶⁵: 3·10⁻⁸ at a million orders).
 */
export class SeenOrderNumbers {
  private hi = new Uint32Array(INITIAL_SLOTS);
  private lo = new Uint32Array(INITIAL_SLOTS);
  /** The line of each slot; 0 marks an empty slot (lines start at 1). */
  private lines = new Uint32Array(INITIAL_SLOTS);
  private count = 0;

  /** The line a number's rows started on, if it was seen. */
  get(number: string): number | undefined {
    const [a, b] = hash64(number);
    const slot = this.find(a, b);
    return this.lines[slot] || undefined;
  }

  set(number: string, line: number): void {
    const [a, b] = hash64(number);
    this.put(a, b, Math.max(1, line));
    if (this.count * 2 > this.lines.length) this.grow();
  }

  private find(a: number, b: number): number {
    const mask = this.lines.length - 1;
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & mask;
    while (this.lines[slot] !== 0 && (this.hi[slot] !== a || this.lo[slot] !== b)) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private put(a: number, b: number, line: number): void {
    const slot = this.find(a, b);
    if (this.lines[slot] === 0) this.count++;
    this.hi[slot] = a;
    this.lo[slot] = b;
    this.lines[slot] = line;
  }

  private grow(): void {
    const { hi, lo, lines } = this;
    this.hi = new Uint32Array(lines.length * 2);
    this.lo = new Uint32Array(lines.length * 2);
    this.lines = new Uint32Array(lines.length * 2);
    this.count = 0;
    for (let i = 0; i < lines.length; i++) if (lines[i]) this.put(hi[i], lo[i], lines[i]);
  }
}
