import { ContainerProbes, type HttpOrTcpCheck, type Probe } from '../../agent/container-probes';

const CHECK: HttpOrTcpCheck = { http: { port: 'web', path: '/health' }, intervalSeconds: 5, timeoutSeconds: 2, retries: 2, startPeriodSeconds: 0 };
const ADDRESS = { host: '172.17.0.9', port: 8080 };

describe('ContainerProbes', () => {
  let now = 0;
  let answers: boolean[];
  let calls: Array<{ host: string; port: number; timeoutMs: number }>;
  const probe: Probe = async (_check, target) => {
    calls.push(target);
    return answers.shift() ?? false;
  };
  let probes: ContainerProbes;

  beforeEach(() => {
    jest.useFakeTimers();
    now = 1_000_000;
    calls = [];
    probes = new ContainerProbes({ probe, now: () => now });
  });
  afterEach(() => {
    probes.close();
    jest.useRealTimers();
  });

  /** Moves the clock one interval and lets the probe it fires settle. */
  async function interval(): Promise<void> {
    now += CHECK.intervalSeconds * 1000;
    await jest.advanceTimersByTimeAsync(CHECK.intervalSeconds * 1000);
  }

  it('probes at once when first asked, then every interval, with the check timeout', async () => {
    answers = [true, true, true];
    expect(await probes.watch('c1', 'n1', CHECK, ADDRESS, now)).toBe('healthy');
    expect(calls).toEqual([{ ...ADDRESS, timeoutMs: 2_000 }]);
    await interval();
    await interval();
    expect(calls).toHaveLength(3);
  });

  it('reports unhealthy after `retries` failed intervals, and healthy again after a success', async () => {
    answers = [true, false, false, true];
    await probes.watch('c1', 'n1', CHECK, ADDRESS, now);
    await interval();
    expect(probes.health('c1')).toBe('healthy');
    await interval();
    expect(probes.health('c1')).toBe('unhealthy');
    await interval();
    expect(probes.health('c1')).toBe('healthy');
  });

  it('a second watch of the same container neither probes again nor starts a second loop', async () => {
    answers = [true, true, true];
    await probes.watch('c1', 'n1', CHECK, ADDRESS, now);
    await probes.watch('c1', 'n1', CHECK, ADDRESS, now);
    expect(calls).toHaveLength(1);
    await interval();
    expect(calls).toHaveLength(2);
  });

  it('stops probing a container forgotten, or one the node no longer runs', async () => {
    answers = [true, true, true, true];
    await probes.watch('c1', 'n1', CHECK, ADDRESS, now);
    await probes.watch('c2', 'n1', CHECK, ADDRESS, now);
    await probes.watch('c3', 'n2', CHECK, ADDRESS, now);
    probes.retain('n1', new Set(['c2']));
    expect(probes.health('c1')).toBeUndefined();
    expect(probes.health('c2')).toBe('healthy');
    expect(probes.health('c3')).toBe('healthy');
    probes.forget('c2');
    calls = [];
    await interval();
    expect(calls).toHaveLength(1);
  });

  it('a probe that throws counts as a failure', async () => {
    const throwing = new ContainerProbes({ probe: () => Promise.reject(new Error('socket')), now: () => now });
    try {
      expect(await throwing.watch('c1', 'n1', { ...CHECK, retries: 1 }, ADDRESS, now - 60_000)).toBe('unhealthy');
    } finally {
      throwing.close();
    }
  });
});
