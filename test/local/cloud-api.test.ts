import { ApiHooks, HookAttachedError } from '../../local/cloud-api';

describe('ApiHooks', () => {
  test('no node token is valid until a fleet attaches, and none after it detaches', () => {
    const hooks = new ApiHooks();
    expect(hooks.nodeForToken('t1')).toBeUndefined();
    const detach = hooks.attachFleet({ nodeForToken: (t) => (t === 't1' ? 'node-1' : undefined) });
    expect(hooks.nodeForToken('t1')).toBe('node-1');
    expect(hooks.nodeForToken('t2')).toBeUndefined();
    detach();
    expect(hooks.nodeForToken('t1')).toBeUndefined();
  });

  test('a wake-up is passed to the attached scheduler', () => {
    const hooks = new ApiHooks();
    const poke = jest.fn();
    hooks.attachScheduler({ poke });
    hooks.jobsChanged();
    hooks.jobsChanged();
    expect(poke).toHaveBeenCalledTimes(2);
  });

  test('wake-ups before the scheduler attaches are delivered once, when it attaches', () => {
    const hooks = new ApiHooks();
    hooks.jobsChanged();
    hooks.jobsChanged();
    const poke = jest.fn();
    hooks.attachScheduler({ poke });
    expect(poke).toHaveBeenCalledTimes(1);
  });

  test('after the scheduler detaches, wake-ups do not reach it', () => {
    const hooks = new ApiHooks();
    const poke = jest.fn();
    const detach = hooks.attachScheduler({ poke });
    detach();
    hooks.jobsChanged();
    expect(poke).not.toHaveBeenCalled();
  });

  test('a second fleet or scheduler while one is attached → HookAttachedError naming the hook', () => {
    const hooks = new ApiHooks();
    hooks.attachFleet({ nodeForToken: () => undefined });
    hooks.attachScheduler({ poke: () => undefined });
    const fleet = (() => {
      try {
        hooks.attachFleet({ nodeForToken: () => undefined });
      } catch (e) {
        return e;
      }
    })();
    expect(fleet).toBeInstanceOf(HookAttachedError);
    expect((fleet as HookAttachedError).name).toBe('HookAttachedError');
    expect((fleet as HookAttachedError).hook).toBe('fleet');
    expect(() => hooks.attachScheduler({ poke: () => undefined })).toThrow(/scheduler is attached to the local API already/);
  });

  test('a stale detach (a fleet already replaced) leaves the new one attached', () => {
    const hooks = new ApiHooks();
    const detachOld = hooks.attachFleet({ nodeForToken: () => 'old' });
    detachOld();
    hooks.attachFleet({ nodeForToken: () => 'new' });
    detachOld();
    expect(hooks.nodeForToken('x')).toBe('new');
  });
});
