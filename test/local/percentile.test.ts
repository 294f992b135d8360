import { percentile } from '../../local/percentile';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('percentile (nearest rank)', () => {
  test.each([
    // [values, p, expected]: rank = ceil(p/100 × n), 1-based, over the sorted values.
    [range(10), 50, 5],
    [range(10), 90, 9],
    [range(10), 91, 10],
    [range(10), 10, 1],
    [range(10), 0.001, 1],
    [range(20), 95, 19],
    [range(20), 99, 20],
    [range(20), 5, 1],
    [range(4), 25, 1],
    [range(4), 26, 2],
    [range(4), 75, 3],
    [[15, 20, 35, 40, 50], 30, 20],
    [[15, 20, 35, 40, 50], 40, 20],
    [[15, 20, 35, 40, 50], 50, 35],
  ])('%j p%d = %d', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  test('p100 is the maximum', () => {
    expect(percentile([3, 99, -1, 42], 100)).toBe(99);
    expect(percentile(range(1000), 100)).toBe(1000);
  });

  test('a single value is every percentile', () => {
    for (const p of [0.5, 1, 50, 99.9, 100]) expect(percentile([7.25], p)).toBe(7.25);
  });

  test('every figure is an observed value, never an interpolation', () => {
    const values = [10, 30];
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 51)).toBe(30);
  });

  test('sorts numerically (not as strings) and does not mutate the input', () => {
    const values = [100, 9, 25, 1, 3];
    const copy = [...values];
    expect(percentile(values, 50)).toBe(9);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 20)).toBe(1);
    expect(values).toEqual(copy);
  });

  test('an unsorted frozen array is accepted', () => {
    expect(percentile(Object.freeze([5, 4, 3, 2, 1]), 60)).toBe(3);
  });

  test('no values → NaN', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([], 100)).toBeNaN();
  });

  test.each([0, -1, -0.0001, 100.0001, 101, NaN, Infinity, -Infinity])('p = %d → RangeError', (p) => {
    expect(() => percentile([1, 2, 3], p)).toThrow(RangeError);
    expect(() => percentile([1, 2, 3], p)).toThrow(/percentile must be in \(0, 100\]/);
  });

  test('an out-of-range p is refused even with no values', () => {
    expect(() => percentile([], 0)).toThrow(RangeError);
  });
});
