import { estimatePassRequestUnits } from '../../../control/pass/request-units';

describe('estimatePassRequestUnits', () => {
  it('bills scans by 4 KB read (eventually consistent) and transactional writes double', () => {
    const u = estimatePassRequestUnits({ snapshotItems: 40, nodesListed: 4, assignments: 3, assignmentGroups: 1, taskUpdates: 2, nodeUpdates: 1, launches: 1, terminations: 0 });
    // Reads: 40 items in 10 × 4 KB → 5; node list 0.5; a get per task update 2 × 0.5.
    expect(u.readRequestUnits).toBeCloseTo(5 + 0.5 + 1);
    // Writes: (3 tasks + 1 node) × 2; 2 task updates × 2; node update, launch, sample.
    expect(u.writeRequestUnits).toBe(8 + 4 + 1 + 1 + 1);
  });

  it('counts at least one request per scan on an empty cluster', () => {
    const u = estimatePassRequestUnits({ snapshotItems: 0, nodesListed: 0, assignments: 0, assignmentGroups: 0, taskUpdates: 0, nodeUpdates: 0, launches: 0, terminations: 0 });
    expect(u).toEqual({ readRequestUnits: 1.5 + 0.5, writeRequestUnits: 1 });
  });
});
