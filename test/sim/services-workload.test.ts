import { WorkloadOptionError } from '../../sim/errors';
import { DEFAULT_SERVICES_WORKLOAD, OPENB_SIZES, servicesWorkload } from '../../sim/services-workload';

const DAY = 86_400;

describe('servicesWorkload', () => {
  const tasks = servicesWorkload();

  it('is a function of its seed', () => {
    expect(servicesWorkload()).toEqual(tasks);
    expect(servicesWorkload({ ...DEFAULT_SERVICES_WORKLOAD, seed: 7 })).not.toEqual(tasks);
  });

  it('keeps every service running all week, with at least one replica at every instant', () => {
    const names = new Set(tasks.map((t) => t.name));
    expect(names.size).toBe(DEFAULT_SERVICES_WORKLOAD.services);
    for (const name of names) {
      const own = tasks.filter((t) => t.name === name);
      for (let t = 0; t < 7 * DAY; t += 3_600) expect(own.some((r) => r.creationTime! <= t && r.deletionTime! > t)).toBe(true);
    }
    expect(Math.max(...tasks.map((t) => t.deletionTime!))).toBe(7 * DAY);
  });

  it('follows a daily curve: more replicas in the afternoon than at night on weekdays', () => {
    const liveAt = (t: number) => tasks.filter((r) => r.creationTime! <= t && r.deletionTime! > t).length;
    for (let day = 0; day < 5; day++) expect(liveAt(day * DAY + 14 * 3_600)).toBeGreaterThan(liveAt(day * DAY + 2 * 3_600));
  });

  it("draws sizes from OpenB's most common requests, one size per service", () => {
    const shapes = new Set(OPENB_SIZES.map((s) => `${s.cpu}/${s.memoryMiB}`));
    for (const t of tasks) expect(shapes.has(`${t.resources.cpu}/${t.resources.memoryMiB}`)).toBe(true);
    const bySvc = new Map<string, string>();
    for (const t of tasks) {
      const shape = `${t.resources.cpu}/${t.resources.memoryMiB}`;
      expect(bySvc.get(t.name) ?? shape).toBe(shape);
      bySvc.set(t.name, shape);
    }
  });

  it('refuses options it cannot honour, naming the option', () => {
    expect(() => servicesWorkload({ ...DEFAULT_SERVICES_WORKLOAD, services: 0 })).toThrow(WorkloadOptionError);
    expect(() => servicesWorkload({ ...DEFAULT_SERVICES_WORKLOAD, days: 1.5 })).toThrow(/days: must be a positive integer/);
  });
});
