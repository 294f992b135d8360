import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { StreamPoller } from '../../../local/stream-poller';
import { waitUntil } from '../../../local/wait-until';
import { useDynamoDbLocal } from '../../support/dynamodb-local';

const ddb = useDynamoDbLocal();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('StreamPoller on DynamoDB Local', () => {
  it('feeds the Nodes stream to onBatch in batches, one call at a time, ticks when idle, and stops cleanly', async () => {
    const tables = await ddb.createTables('poll');
    const calls: { event: DynamoDBStreamEvent; at: number }[] = [];
    const errors: unknown[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let stopped = false;
    let callsAfterStop = 0;
    const poller = new StreamPoller({
      dynamodb: ddb.client,
      streams: ddb.streams,
      tableName: tables.nodes,
      batchWindowMs: 1_000,
      pollMs: 50,
      tickMs: 500,
      onError: (err) => errors.push(err),
      onBatch: async (event) => {
        if (stopped) callsAfterStop++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        calls.push({ event, at: Date.now() });
        await sleep(150); // long enough that a second, overlapping call would be seen
        inFlight--;
      },
    });
    await poller.start();

    const ids = ['n-1', 'n-2', 'n-3'];
    for (const id of ids) await ddb.client.send(new PutItemCommand({ TableName: tables.nodes, Item: { id: { S: id }, status: { S: 'READY' } } }));

    const records = () => calls.flatMap((c) => c.event.Records);
    await waitUntil('the three writes to reach onBatch', async () => records().length >= 3, 10_000);
    const seen = records().map((r) => r.dynamodb?.Keys?.id?.S);
    expect(seen.sort()).toEqual(ids);
    const withRecords = calls.filter((c) => c.event.Records.length > 0);
    // Batched: the writes land well within one window, so they arrive in fewer calls.
    expect(withRecords.length).toBeLessThan(ids.length);
    for (const r of records()) {
      expect(r).toMatchObject({ eventName: 'INSERT', eventSource: 'aws:dynamodb', dynamodb: { StreamViewType: 'NEW_IMAGE' } });
      expect(r.eventSourceARN).toContain(tables.nodes);
      // New images, in Lambda's shape: what the wake filter reads.
      expect(r.dynamodb?.NewImage).toEqual({ id: { S: r.dynamodb?.Keys?.id?.S }, status: { S: 'READY' } });
    }

    // Idle: the tick fires (empty events), at about tickMs apart.
    const before = calls.length;
    await waitUntil('two ticks while idle', async () => calls.slice(before).filter((c) => c.event.Records.length === 0).length >= 2, 10_000);
    const ticks = calls.filter((c) => c.event.Records.length === 0);
    const gap = ticks[ticks.length - 1].at - ticks[ticks.length - 2].at;
    // Never more often than tickMs (a slow machine may only make it later).
    expect(gap).toBeGreaterThanOrEqual(450);

    // stop() waits for the call in flight, and nothing is called after it.
    await poller.stop();
    stopped = true;
    expect(inFlight).toBe(0);
    const atStop = calls.length;
    await ddb.client.send(new PutItemCommand({ TableName: tables.nodes, Item: { id: { S: 'n-late' } } }));
    await sleep(800);
    expect(calls.length).toBe(atStop);
    expect(callsAfterStop).toBe(0);
    expect(maxInFlight).toBe(1);
    expect(errors).toEqual([]);
  });

  it('keeps going when onBatch throws, reporting through onError', async () => {
    const tables = await ddb.createTables('poll-err');
    const errors: unknown[] = [];
    let calls = 0;
    const poller = new StreamPoller({
      dynamodb: ddb.client,
      streams: ddb.streams,
      tableName: tables.nodes,
      batchWindowMs: 100,
      pollMs: 50,
      tickMs: 200,
      onError: (err) => errors.push(err),
      onBatch: async () => {
        calls++;
        throw new Error(`boom ${calls}`);
      },
    });
    await poller.start();
    try {
      await waitUntil('three failing calls', async () => calls >= 3, 10_000);
    } finally {
      await poller.stop();
    }
    expect(errors.length).toBe(calls);
    expect((errors[0] as Error).message).toBe('boom 1');
  });

  it('calls at a follow-up asked for with wakeAt, keeping only the earliest, long before the tick', async () => {
    const tables = await ddb.createTables('poll-wake');
    const calls: number[] = [];
    const poller = new StreamPoller({ dynamodb: ddb.client, streams: ddb.streams, tableName: tables.nodes, pollMs: 50, tickMs: 60_000, onBatch: async () => void calls.push(Date.now()) });
    await poller.start();
    try {
      const asked = Date.now();
      expect(await poller.wakeAt(asked + 600)).toBe('sent');
      expect(await poller.wakeAt(asked + 5_000)).toBe('covered');
      expect(await poller.wakeAt(asked + 300)).toBe('sent');
      await waitUntil('the follow-up call', async () => calls.length >= 1, 5_000);
      expect(calls[0] - asked).toBeGreaterThanOrEqual(290);
      // Answered: the later requests were covered by it, so nothing else comes before the tick.
      await sleep(1_000);
      expect(calls).toHaveLength(1);
      expect(await poller.wakeAt(Date.now() + 200)).toBe('sent');
      await waitUntil('a second follow-up', async () => calls.length >= 2, 5_000);
    } finally {
      await poller.stop();
    }
  });
});
