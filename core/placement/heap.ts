/**
 * A binary max-heap of bin indices ordered by a score array, ties broken by the
 * smaller tie key (node rank), so the top is exactly what a full scan would pick.
 * Scores live in caller-owned arrays so the packer can update one in place and sift.
 */
export class ScoreHeap {
  private readonly items: number[] = [];

  constructor(
    private readonly scores: Float64Array | number[],
    private readonly ties: ArrayLike<number>,
  ) {}

  get size(): number {
    return this.items.length;
  }

  top(): number {
    return this.items[0];
  }

  /** Builds from unordered items in O(n) (Floyd). */
  fill(items: number[]): void {
    this.items.length = 0;
    for (const i of items) this.items.push(i);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  push(item: number): void {
    this.items.push(item);
    this.siftUp(this.items.length - 1);
  }

  pop(): number {
    const top = this.items[0];
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Call after the top's score changed. */
  updateTop(): void {
    this.siftDown(0);
  }

  private better(a: number, b: number): boolean {
    const sa = this.scores[a];
    const sb = this.scores[b];
    return sa > sb || (sa === sb && this.ties[a] < this.ties[b]);
  }

  private siftUp(i: number): void {
    const items = this.items;
    const item = items[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(item, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = item;
  }

  private siftDown(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.better(items[child + 1], items[child])) child++;
      if (!this.better(items[child], item)) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = item;
  }
}
