import { Lifecycle, StartFailedError, StartInterruptedError, TeardownError, type Piece } from '../../local/lifecycle';

/** A piece that notes its start and stop in `calls`; its stop fails if told to. */
function piece(name: string, calls: string[], failStop?: Error): () => Piece<string> {
  return () => {
    calls.push(`start ${name}`);
    return {
      value: name,
      stop: async () => {
        calls.push(`stop ${name}`);
        if (failStop) throw failStop;
      },
    };
  };
}

describe('Lifecycle', () => {
  test('starts pieces in order, hands back their values, and stops them in reverse', async () => {
    const calls: string[] = [];
    const life = new Lifecycle();
    expect(await life.start('a', piece('a', calls))).toBe('a');
    expect(await life.start('b', async () => piece('b', calls)())).toBe('b');
    expect(await life.start('c', piece('c', calls))).toBe('c');
    await life.stop();
    expect(calls).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  test('a piece without a stop is started and skipped at teardown', async () => {
    const calls: string[] = [];
    const life = new Lifecycle();
    await life.start('a', piece('a', calls));
    await life.start('engine', () => ({ value: 'shared' }));
    await life.start('b', piece('b', calls));
    await life.stop();
    expect(calls).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  test('a failing start stops what had started, in reverse, and rethrows its own error', async () => {
    const calls: string[] = [];
    const life = new Lifecycle();
    await life.start('a', piece('a', calls));
    await life.start('b', piece('b', calls));
    const boom = new Error('port in use');
    await expect(
      life.start('c', async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(calls).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    expect(life.stopped).toBe(true);
  });

  test('a start that throws synchronously is handled the same way', async () => {
    const calls: string[] = [];
    const life = new Lifecycle();
    await life.start('a', piece('a', calls));
    await expect(
      life.start('b', () => {
        throw new RangeError('bad option');
      }),
    ).rejects.toThrow(RangeError);
    expect(calls).toEqual(['start a', 'stop a']);
  });

  test('after a failed start or a stop, no piece starts any more', async () => {
    const life = new Lifecycle();
    await life.stop();
    const start = jest.fn(() => ({ value: 1 }));
    const err = await life.start('late', start).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartInterruptedError);
    expect((err as StartInterruptedError).name).toBe('StartInterruptedError');
    expect((err as StartInterruptedError).piece).toBe('late');
    expect(start).not.toHaveBeenCalled();
  });

  test('a failing stop does not skip the rest; every failure is reported with its piece', async () => {
    const calls: string[] = [];
    const life = new Lifecycle();
    await life.start('a', piece('a', calls, new Error('a would not stop')));
    await life.start('b', piece('b', calls));
    await life.start('c', piece('c', calls, new Error('c would not stop')));
    const err = await life.stop().catch((e: unknown) => e);
    expect(calls).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    expect(err).toBeInstanceOf(TeardownError);
    const teardown = err as TeardownError;
    expect(teardown.name).toBe('TeardownError');
    expect(teardown.failures.map((f) => f.piece)).toEqual(['c', 'a']);
    expect(teardown.message).toMatch(/c \(c would not stop\); a \(a would not stop\)/);
  });

  test('a stop that throws synchronously does not skip the rest either', async () => {
    const calls: string[] = [];
    const life = new Lifecycle();
    await life.start('a', piece('a', calls));
    await life.start('b', () => ({
      value: 'b',
      stop: () => {
        throw new Error('sync failure');
      },
    }));
    await expect(life.stop()).rejects.toThrow(/b \(sync failure\)/);
    expect(calls).toEqual(['start a', 'stop a']);
  });

  test('stop is idempotent: every call shares the one teardown, which runs each stop once', async () => {
    const calls: string[] = [];
    const life = new Lifecycle();
    await life.start('a', piece('a', calls));
    await life.start('b', piece('b', calls));
    const first = life.stop();
    const second = life.stop();
    expect(second).toBe(first);
    await first;
    await life.stop();
    expect(calls).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  test('a failed teardown is reported to every caller of stop', async () => {
    const life = new Lifecycle();
    await life.start('a', piece('a', [], new Error('stuck')));
    await expect(life.stop()).rejects.toBeInstanceOf(TeardownError);
    await expect(life.stop()).rejects.toBeInstanceOf(TeardownError);
  });

  test('a stop during a start waits for that piece, stops it with the rest, and the start rejects as interrupted', async () => {
    const calls: string[] = [];
    const life = new Lifecycle();
    await life.start('a', piece('a', calls));
    let finish!: () => void;
    const slow = life.start('slow', async () => {
      calls.push('start slow');
      await new Promise<void>((r) => (finish = r));
      calls.push('slow started');
      return { value: 'slow', stop: () => void calls.push('stop slow') };
    });
    const started = slow.catch((e: unknown) => e);
    await Promise.resolve();
    const stopping = life.stop();
    // Not one stop before the piece in progress has settled.
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(['start a', 'start slow']);
    finish();
    await stopping;
    expect(calls).toEqual(['start a', 'start slow', 'slow started', 'stop slow', 'stop a']);
    expect(await started).toBeInstanceOf(StartInterruptedError);
  });

  test('a failing start whose teardown fails too reports both', async () => {
    const life = new Lifecycle();
    await life.start('a', piece('a', [], new Error('a stuck')));
    const cause = new Error('tables half made');
    const err = await life
      .start('tables', async () => {
        throw cause;
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartFailedError);
    const failed = err as StartFailedError;
    expect(failed.name).toBe('StartFailedError');
    expect(failed.piece).toBe('tables');
    expect(failed.cause).toBe(cause);
    expect(failed.teardown).toBeInstanceOf(TeardownError);
    expect(failed.message).toMatch(/tables failed to start: tables half made; then stopping failed for a \(a stuck\)/);
  });
});
