import { InMemoryLoadBalancer } from '../../../control/fakes/in-memory-load-balancer';
import { LoadBalancerError } from '../../../control/load-balancer-errors';
import { describeLoadBalancerContract } from '../load-balancer.contract';

describeLoadBalancerContract('InMemoryLoadBalancer', async () => ({
  lb: new InMemoryLoadBalancer(),
  target: (taskId, n) => ({ taskId, nodeId: `node-${n}`, address: `10.0.0.${n + 1}`, port: 32768 + n }),
}));

describe('InMemoryLoadBalancer', () => {
  it('fails the next calls on demand, then works again', async () => {
    const lb = new InMemoryLoadBalancer();
    lb.failNext.push(new LoadBalancerError('throttled', { operation: 'ensureService', retriable: true }));
    await expect(lb.ensureService({ jobId: 'j', jobName: 'j', rule: { port: 'http', path: '/j/*' } })).rejects.toThrow('throttled');
    await expect(lb.ensureService({ jobId: 'j', jobName: 'j', rule: { port: 'http', path: '/j/*' } })).resolves.toEqual({ url: 'http://127.0.0.1:8080/j/' });
  });

  it('reports the health a test sets for a task', async () => {
    const lb = new InMemoryLoadBalancer();
    await lb.ensureService({ jobId: 'j', jobName: 'j', rule: { port: 'http', path: '/j/*' } });
    await lb.setTargets('j', [{ taskId: 'j.0', nodeId: 'n', address: '10.0.0.1', port: 80 }]);
    lb.health.set('j.0', 'unhealthy');
    expect((await lb.targets('j'))[0].health).toBe('unhealthy');
  });

  it('names the task of each deregistered target, as it remembers them', async () => {
    const lb = new InMemoryLoadBalancer();
    await lb.ensureService({ jobId: 'j', jobName: 'j', rule: { port: 'http', path: '/j/*' } });
    const t = { taskId: 'j.0', nodeId: 'n', address: '10.0.0.1', port: 80 };
    await lb.setTargets('j', [t]);
    expect((await lb.setTargets('j', [])).deregistered).toEqual([t]);
  });
});
