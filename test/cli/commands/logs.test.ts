import { formatLogLine, LogFollower, parseSince } from '../../../cli/commands/logs';

const NOW = Date.UTC(2026, 11, 2, 8, 0, 0);
const line = (at: number, text: string, task = 'job-1.0') => ({ task, slot: 0, at, text });

describe('stowage logs', () => {
  it('reads --since as a duration back from now, a date, or ms since the epoch', () => {
    expect(parseSince('10m', NOW)).toBe(NOW - 600_000);
    expect(parseSince('90s', NOW)).toBe(NOW - 90_000);
    expect(parseSince('2h', NOW)).toBe(NOW - 7_200_000);
    expect(parseSince('1d', NOW)).toBe(NOW - 86_400_000);
    expect(parseSince('2026-12-02T07:00:00Z', NOW)).toBe(Date.UTC(2026, 11, 2, 7));
    expect(parseSince('1800000000000', NOW)).toBe(1_800_000_000_000);
    expect(() => parseSince('ten minutes', NOW)).toThrow(/--since must be a duration such as 10m/);
  });

  it('prefixes each line with its replica, copy and time', () => {
    expect(formatLogLine({ task: 'job-1.2.g1', slot: 2, at: NOW, text: 'GET / 200' })).toBe('[2 job-1.2.g1] 2026-12-02T08:00:00.000Z GET / 200\n');
  });

  it('-f prints each line once though polls ask again from the last line\'s time', () => {
    const f = new LogFollower(0);
    expect(f.take([line(1, 'a'), line(2, 'b')]).map((l) => l.text)).toEqual(['a', 'b']);
    expect(f.nextSince).toBe(2);
    // The next poll asks from 2: `b` comes back, with a line written in the same ms and a later one.
    expect(f.take([line(2, 'b'), line(2, 'b2'), line(3, 'c')]).map((l) => l.text)).toEqual(['b2', 'c']);
    expect(f.take([line(3, 'c')])).toEqual([]);
    // The same text from another copy at the same time is another line.
    expect(f.take([line(3, 'c', 'job-1.1')]).map((l) => l.task)).toEqual(['job-1.1']);
  });
});
