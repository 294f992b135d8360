import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue as StreamAttributeValue,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { WakeOutcome } from '../control/pass-waker';
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/**
 * What Lambda's event source mapping does for the scheduler in AWS, for the local cloud:
 * reads a table's stream (every shard, following new shards as the stream splits them)
 * and hands the records to `onBatch` in Lambda's DynamoDBStreamEvent shape, batched by
 * a window and a size, one call at a time (like one shard with parallelization 1).
 *
 * The one-minute schedule and the wake queue are folded in: when no call has started for
 * `tickMs`, or at a time asked for with `wakeAt` (a plan's follow-up), `onBatch`
 * is called with an event whose `Records` is empty. (An empty stream event rather than a
 * ScheduledEvent, so `onBatch` keeps one type and the tick can never overlap a batch; the
 * scheduler handler ignores what woke it.)
 *
 * A `filter` stands for the mapping's filter criteria: what it refuses never reaches
 * `onBatch`, so it neither starts a call nor joins a batch.
 *
 * Errors from `onBatch` and from the stream calls go to `onError`; the poller carries on
 * (the next batch or tick re-plans from fresh state). Records still buffered when `stop()`
 * is called are dropped, as Lambda would drop them were the mapping disabled.
 */
export interface StreamPollerOptions {
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly tableName: string;
  readonly onBatch: (event: DynamoDBStreamEvent) => Promise<void>;
  /** How long the first record of a batch waits for others (Lambda's MaximumBatchingWindowInSeconds). */
  readonly batchWindowMs?: number;
  /** Most records in one call (Lambda's BatchSize). */
  readonly maxBatch?: number;
  /** Pause between rounds of GetRecords. */
  readonly pollMs?: number;
  /** The schedule's period: an empty event when nothing ran for this long. */
  readonly tickMs?: number;
  /** How often the stream's shards are described again, to find new (child) shards. */
  readonly shardRefreshMs?: number;
  readonly onError?: (err: unknown) => void;
  /**
   * The event source mapping's filter criteria: records it refuses are dropped as read,
   * never batched or passed on (Lambda does not invoke for them). Default: every record.
   */
  readonly filter?: (record: DynamoDBRecord) => boolean;
}

interface ShardCursor {
  readonly shardId: string;
  iterator?: string;
  lastSequence?: string;
}

export class StreamPoller {
  private readonly batchWindowMs: number;
  private readonly maxBatch: number;
  private readonly pollMs: number;
  private readonly tickMs: number;
  private readonly shardRefreshMs: number;
  private readonly onError: (err: unknown) => void;

  private running = false;
  private streamArn = '';
  private region = 'local';
  /** Shards being read, by id. */
  private readonly open = new Map<string, ShardCursor>();
  /** Shards read to their end (or skipped at start); their children may be read. */
  private readonly done = new Set<string>();
  private buffer: { record: DynamoDBRecord; at: number }[] = [];
  private lastCallStarted = 0;
  private loops: Promise<void>[] = [];
  private wakeDispatcher: (() => void) | undefined;
  private wakePoller: (() => void) | undefined;
  private poked = false;
  /** The earliest follow-up asked for and not yet answered by a call. */
  private dueAt: number | undefined;
  private readCount = 0;
  private filteredCount = 0;

  constructor(private readonly options: StreamPollerOptions) {
    this.batchWindowMs = options.batchWindowMs ?? 1000;
    this.maxBatch = options.maxBatch ?? 100;
    this.pollMs = options.pollMs ?? 250;
    this.tickMs = options.tickMs ?? 60_000;
    this.shardRefreshMs = options.shardRefreshMs ?? 2_000;
    this.onError = options.onError ?? ((err) => console.error('stream poller:', err));
  }

  /** Stream records read so far, and how many of them the filter dropped. */
  get records(): { readonly read: number; readonly filtered: number } {
    return { read: this.readCount, filtered: this.filteredCount };
  }

  /** Resolves once every open shard has a LATEST iterator: writes after this are seen. */
  async start(): Promise<void> {
    if (this.running) throw new Error('StreamPoller already started');
    const table = await this.options.dynamodb.send(new DescribeTableCommand({ TableName: this.options.tableName }));
    const arn = table.Table?.LatestStreamArn;
    if (!arn) throw new Error(`table ${this.options.tableName} has no stream`);
    this.streamArn = arn;
    this.region = arn.split(':')[3] || 'local';
    await this.refreshShards(true);
    this.running = true;
    this.lastCallStarted = Date.now();
    this.loops = [this.pollLoop(), this.dispatchLoop()];
  }

  /** Ends both loops; resolves when the call in flight (if any) has finished. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeDispatcher?.();
    this.wakePoller?.();
    await Promise.all(this.loops);
    this.buffer = [];
  }

  /**
   * Asks for a call soon (an empty event, as the tick sends) without waiting for the
   * stream: the local API pokes after a submit or stop, so new work does not wait for the
   * next heartbeat. Never overlaps a call in flight; pokes during a call fold into one.
   */
  poke(): void {
    this.poked = true;
    this.wakeDispatcher?.();
  }

  /**
   * The wake queue's delayed message, locally: a call (an empty event) at `at` unless
   * one starts by then anyway. Only the earliest request is kept, as the deployed waker
   * keeps only the earliest message that is still to come.
   */
  async wakeAt(at: number): Promise<WakeOutcome> {
    if (this.dueAt !== undefined && this.dueAt <= at) return 'covered';
    this.dueAt = at;
    this.wakeDispatcher?.();
    return 'sent';
  }

  private async pollLoop(): Promise<void> {
    let lastRefresh = Date.now();
    while (this.running) {
      if (Date.now() - lastRefresh >= this.shardRefreshMs) {
        lastRefresh = Date.now();
        await this.refreshShards(false).catch(this.onError);
      }
      // Lambda stops reading a shard while its batch is busy; keep at most a few batches buffered.
      if (this.buffer.length < this.maxBatch * 4) {
        for (const cursor of [...this.open.values()]) {
          if (!this.running) break;
          await this.readShard(cursor).catch(this.onError);
        }
      }
      await this.sleep(this.pollMs, (wake) => (this.wakePoller = wake));
    }
  }

  private async dispatchLoop(): Promise<void> {
    while (this.running) {
      const now = Date.now();
      let due: number;
      if (this.buffer.length >= this.maxBatch || (this.buffer.length > 0 && now >= this.buffer[0].at + this.batchWindowMs)) {
        await this.call(this.buffer.splice(0, this.maxBatch).map((b) => b.record));
        continue;
      } else if (this.buffer.length > 0) {
        due = this.buffer[0].at + this.batchWindowMs;
      } else if (this.poked || now >= this.lastCallStarted + this.tickMs || (this.dueAt !== undefined && now >= this.dueAt)) {
        await this.call([]);
        continue;
      } else {
        due = Math.min(this.lastCallStarted + this.tickMs, this.dueAt ?? Infinity);
      }
      await this.sleep(Math.max(1, due - now), (wake) => (this.wakeDispatcher = wake));
    }
  }

  private async call(records: DynamoDBRecord[]): Promise<void> {
    this.lastCallStarted = Date.now();
    // Whatever woke this call, it reads fresh state: a pending poke is answered by it.
    this.poked = false;
    if (this.dueAt !== undefined && this.lastCallStarted >= this.dueAt) this.dueAt = undefined;
    try {
      await this.options.onBatch({ Records: records });
    } catch (err) {
      this.onError(err);
    }
  }

  private async readShard(cursor: ShardCursor): Promise<void> {
    if (!cursor.iterator) {
      cursor.iterator = await this.iterator(cursor.shardId, cursor.lastSequence ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON', cursor.lastSequence);
    }
    let out;
    try {
      out = await this.options.streams.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: this.maxBatch }));
    } catch (err) {
      // An expired or trimmed iterator: start again after the last record seen (next round).
      cursor.iterator = undefined;
      throw err;
    }
    const at = Date.now();
    let kept = 0;
    for (const r of out.Records ?? []) {
      cursor.lastSequence = r.dynamodb?.SequenceNumber ?? cursor.lastSequence;
      this.readCount++;
      const record = this.toLambda(r);
      if (this.options.filter && !this.options.filter(record)) {
        this.filteredCount++;
        continue;
      }
      this.buffer.push({ record, at });
      kept++;
    }
    if (kept > 0) this.wakeDispatcher?.();
    if (out.NextShardIterator) {
      cursor.iterator = out.NextShardIterator;
    } else {
      // The shard is closed and read to its end: its children may start.
      this.open.delete(cursor.shardId);
      this.done.add(cursor.shardId);
    }
  }

  /**
   * Describes the stream and opens the shards not yet read. At start every open shard
   * is read from LATEST (closed ones are skipped); later, a new shard is read from its
   * beginning once its parent is read to its end (its records follow the parent's).
   */
  private async refreshShards(initial: boolean): Promise<void> {
    const shards: Shard[] = [];
    let exclusiveStart: string | undefined;
    do {
      const out = await this.options.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: exclusiveStart }));
      shards.push(...(out.StreamDescription?.Shards ?? []));
      exclusiveStart = out.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStart);
    const known = new Set(shards.map((s) => s.ShardId));
    for (const shard of shards) {
      const id = shard.ShardId;
      if (!id || this.open.has(id) || this.done.has(id)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      if (initial) {
        if (closed) {
          this.done.add(id);
        } else {
          this.open.set(id, { shardId: id, iterator: await this.iterator(id, 'LATEST') });
        }
        continue;
      }
      const parent = shard.ParentShardId;
      // A parent still listed and not finished: wait for it. One gone from the listing (trimmed) does not block.
      if (parent && known.has(parent) && !this.done.has(parent)) continue;
      this.open.set(id, { shardId: id, iterator: await this.iterator(id, 'TRIM_HORIZON') });
    }
  }

  private async iterator(shardId: string, type: 'LATEST' | 'TRIM_HORIZON' | 'AFTER_SEQUENCE_NUMBER', sequence?: string): Promise<string | undefined> {
    const out = await this.options.streams.send(new GetShardIteratorCommand({ StreamArn: this.streamArn, ShardId: shardId, ShardIteratorType: type, SequenceNumber: sequence }));
    return out.ShardIterator;
  }

  private toLambda(r: StreamRecord): DynamoDBRecord {
    const d = r.dynamodb ?? {};
    return {
      eventID: r.eventID,
      eventName: r.eventName,
      eventVersion: r.eventVersion,
      eventSource: r.eventSource ?? 'aws:dynamodb',
      awsRegion: r.awsRegion ?? this.region,
      eventSourceARN: this.streamArn,
      dynamodb: {
        ApproximateCreationDateTime: d.ApproximateCreationDateTime ? Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) : undefined,
        Keys: d.Keys ? toLambdaMap(d.Keys) : undefined,
        NewImage: d.NewImage ? toLambdaMap(d.NewImage) : undefined,
        OldImage: d.OldImage ? toLambdaMap(d.OldImage) : undefined,
        SequenceNumber: d.SequenceNumber,
        SizeBytes: d.SizeBytes,
        StreamViewType: d.StreamViewType,
      },
    };
  }

  /** Waits `ms`, or less if woken (stop, new records). */
  private sleep(ms: number, register: (wake: () => void) => void): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      register(done);
    });
  }
}

/** The SDK's attribute values (binary as bytes) in Lambda's JSON shape (binary as base64). */
function toLambdaMap(m: Record<string, StreamAttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, toLambdaValue(v)]));
}

function toLambdaValue(v: StreamAttributeValue): LambdaAttributeValue {
  if (v.S !== undefined) return { S: v.S };
  if (v.N !== undefined) return { N: v.N };
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BOOL !== undefined) return { BOOL: v.BOOL };
  if (v.NULL !== undefined) return { NULL: v.NULL };
  if (v.SS !== undefined) return { SS: v.SS };
  if (v.NS !== undefined) return { NS: v.NS };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.L !== undefined) return { L: v.L.map(toLambdaValue) };
  if (v.M !== undefined) return { M: toLambdaMap(v.M) };
  throw new Error(`unknown attribute value type: ${Object.keys(v).join(', ')}`);
}
