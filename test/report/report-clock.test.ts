import { buildReport, compareReports, renderReport } from '../../report';
import { axisLabel, timeLabel } from '../../report/format';
import { H, MIXED, sample } from './fixtures';

/**
 * A replay's times are offsets from the trace's start: its report shows day N hh:mm
 * (the table, the JSON, the charts' axes), while a deployment's shows UTC dates.
 */

const DAY = 24 * H;
/** Two and a half days of a replay: offsets from 0. */
const REPLAY = [0, 1, 2, 3, 4, 5].map((i) => sample(i * 12 * H + 30 * 60_000));

describe('report clock', () => {
  test('timeLabel: trace offsets as day N hh:mm (day 1 is the first), wall times as UTC dates', () => {
    expect(timeLabel(0, 'trace')).toBe('day 1 00:00');
    expect(timeLabel(DAY + 4 * H + 5 * 60_000 + 59_999, 'trace')).toBe('day 2 04:05');
    expect(timeLabel(1_800_000_000_000, 'wall')).toBe('2027-01-15T08:00:00Z');
  });

  test('axisLabel: hours in a short window, days in a long one', () => {
    expect(axisLabel(DAY + 6 * H, 2 * DAY, 'trace')).toBe('day 2 06:00');
    expect(axisLabel(9 * DAY + 6 * H, 30 * DAY, 'trace')).toBe('day 10');
    expect(axisLabel(1_800_000_000_000, 2 * DAY, 'wall')).toBe('01-15 08:00');
    expect(axisLabel(1_800_000_000_000, 30 * DAY, 'wall')).toBe('2027-01-15');
  });

  test('a replay: no 1970 anywhere; the window in trace time in the table, JSON and HTML', () => {
    const report = buildReport(REPLAY, { clock: 'trace', maxGapMs: Infinity });
    expect(report.clock).toBe('trace');
    expect(report.window).toEqual({ from: 'day 1 00:30', to: 'day 3 12:30' });
    const comparison = compareReports('replay', [{ name: 'stowage', description: 'd', report }]);
    for (const format of ['table', 'json', 'html'] as const) {
      for (const r of [report, comparison]) expect(renderReport(r, format)).not.toMatch(/1970/);
    }
    expect(renderReport(report, 'table')).toMatch(/^window +day 1 00:30 → day 3 12:30 \(trace time\)$/m);
    expect(renderReport(comparison, 'table')).toMatch(/^replay\nwindow day 1 00:30 → day 3 12:30 \(trace time\)\n\n/);
    const html = renderReport(report, 'html');
    expect(html).toContain('day 1 00:30 → day 3 12:30');
    // The charts' time axis: ticks in trace time.
    expect(html).toMatch(/class="tick">day 1 00:30</);
    const ticks = [...html.matchAll(/class="tick">(day [^<]*)</g)].map((m) => m[1]);
    expect(ticks.length).toBeGreaterThanOrEqual(3 * 6);
    expect(ticks.every((t) => /^day [1-3] \d\d:\d\d$/.test(t))).toBe(true);
  });

  test('a deployment keeps its dates', () => {
    const report = buildReport(MIXED);
    expect(report.clock).toBe('wall');
    expect(report.window.from).toBe('2027-01-15T08:00:00Z');
    expect(renderReport(report, 'table')).toMatch(/^window +2027-01-15T08:00:00Z → 2027-01-15T11:00:00Z$/m);
    expect(renderReport(report, 'html')).toMatch(/class="tick">01-15 08:00</);
  });

  test('an unknown clock is refused, naming the field', () => {
    expect(() => buildReport(MIXED, { clock: 'lunar' as never })).toThrow(/clock.*must be one of wall, trace, got lunar/);
  });
});
