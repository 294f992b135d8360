import { jobSpecSchema } from '../../contract/job-spec';
import { toJobSpec } from '../../lambdas/api/job-defaults';
import { capacityChoiceOf } from '../../core/capacity';

const body = { name: 'crunch', image: 'busybox:latest', command: ['true'], cpu: 100, memoryMiB: 64, count: 1 };

describe('capacity', () => {
  it.each(['on-demand', 'spot', 'spot-or-on-demand'])('accepts %j and keeps it on the job', (capacity) => {
    const spec = toJobSpec(jobSpecSchema.parse({ ...body, capacity }));
    expect(spec.capacity).toBe(capacity);
  });

  it.each(['Spot', 'ondemand', 'spot-only', '', 1, null])('refuses %j, naming the field and the three values it takes', (capacity) => {
    const r = jobSpecSchema.safeParse({ ...body, capacity });
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path.join('.') === 'capacity');
    expect(issue?.message).toBe('capacity must be "on-demand", "spot" or "spot-or-on-demand"');
  });

  it('is left out when not given, and the kind decides: batch may use Spot, a service stays on On-Demand', () => {
    const batch = toJobSpec(jobSpecSchema.parse({ ...body, kind: 'batch' }));
    const service = toJobSpec(jobSpecSchema.parse({ ...body, kind: 'service' }));
    expect('capacity' in batch).toBe(false);
    expect('capacity' in service).toBe(false);
    expect(capacityChoiceOf(batch)).toBe('spot-or-on-demand');
    expect(capacityChoiceOf(service)).toBe('on-demand');
    expect(capacityChoiceOf({ kind: 'service', capacity: 'spot' })).toBe('spot');
  });
});
