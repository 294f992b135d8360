import { constraintsSchema, jobSpecSchema } from '../../contract/job-spec';
import { jobViewSchema } from '../../contract/job-view';

describe('constraints.arch', () => {
  it('accepts EC2\'s two architecture names and leaves it out when absent', () => {
    expect(constraintsSchema.parse({ arch: 'arm64' })).toEqual({ arch: 'arm64' });
    expect(constraintsSchema.parse({ arch: 'x86_64' })).toEqual({ arch: 'x86_64' });
    expect(constraintsSchema.parse({})).toEqual({});
  });

  it.each(['amd64', 'aarch64', 'ARM64', '', 64])('refuses %j, naming the field and the two names it takes', (arch) => {
    const r = jobSpecSchema.safeParse({ name: 'web', image: 'busybox:latest', command: ['true'], cpu: 100, memoryMiB: 64, count: 1, constraints: { arch } });
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path.join('.') === 'constraints.arch');
    expect(issue?.message).toBe('arch must be "arm64" or "x86_64" (EC2\'s names; linux/amd64 images are x86_64)');
  });

  it('is shown back in the job view', () => {
    const view = jobViewSchema.shape.constraints.parse({ arch: 'arm64', zones: ['us-east-1a'] });
    expect(view).toEqual({ arch: 'arm64', zones: ['us-east-1a'] });
  });
});
