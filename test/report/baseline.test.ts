import { DEFAULT_CATALOG } from '../../core/catalog';
import { parseBaseline, ReportInputError } from '../../report';

describe('parseBaseline', () => {
  it('sizes and prices a fleet of one type', () => {
    expect(parseBaseline('70xm5.large', DEFAULT_CATALOG)).toEqual({ description: '70xm5.large', nodes: 70, nodesByType: { 'm5.large': 70 }, capacity: { cpu: 140_000, memoryMiB: 70 * 8192 }, costPerHour: 70 * 0.096 });
  });

  it('adds several terms, the same type twice included', () => {
    const b = parseBaseline(' 2xm5.large + 1xr5.large+1xm5.large ', DEFAULT_CATALOG);
    expect(b.nodes).toBe(4);
    expect(b.nodesByType).toEqual({ 'm5.large': 3, 'r5.large': 1 });
    expect(b.costPerHour).toBeCloseTo(3 * 0.096 + 0.126);
    expect(b.capacity).toEqual({ cpu: 8000, memoryMiB: 3 * 8192 + 16384 });
  });

  it.each([
    ['', /baseline: is empty/],
    ['m5.large', /token "m5.large" is not COUNTxTYPE/],
    ['70xm5.large+', /token "" is not COUNTxTYPE/],
    ['70 x m5.large', /token "70 x m5.large" is not COUNTxTYPE/],
    ['0xm5.large', /token "0xm5.large": the count must be a positive integer/],
    ['3xm5.huge', /token "3xm5.huge": no instance type "m5.huge" in the catalog \(known: m5.large/],
    ['2xm5.large+3xq9.tiny', /token "3xq9.tiny": no instance type "q9.tiny"/],
  ])('refuses %j with an error naming the token', (spec, message) => {
    expect(() => parseBaseline(spec, DEFAULT_CATALOG)).toThrow(ReportInputError);
    expect(() => parseBaseline(spec, DEFAULT_CATALOG)).toThrow(message);
  });
});
