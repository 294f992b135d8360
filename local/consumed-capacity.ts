import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Read and write capacity units DynamoDB reported as consumed, summed over every call. */
export interface CapacityTotals {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly calls: number;
}

/** The operations that accept ReturnConsumedCapacity; table management calls do not. */
const METERED = new Set([
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
  'TransactGetItemsCommand',
]);

interface Consumed {
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
}

/**
 * Asks DynamoDB for ReturnConsumedCapacity TOTAL on every item call the client sends
 * (the document client's commands included: they go through this client's middleware)
 * and sums what comes back. The meter's figures are DynamoDB's own, not an estimate.
 * Where a reply gives only CapacityUnits (a plain item write or read), the operation
 * says which kind it was.
 */
export class CapacityMeter {
  private read = 0;
  private write = 0;
  private calls = 0;

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = (context as { commandName?: string }).commandName ?? '';
        const metered = METERED.has(name);
        if (metered) (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        if (metered) this.count(name, (result.output as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity);
        return result;
      },
      { step: 'initialize', name: 'stowageCapacityMeter' },
    );
  }

  /** Totals since the meter was made (or since the last `reset`). */
  totals(): CapacityTotals {
    return { readUnits: this.read, writeUnits: this.write, calls: this.calls };
  }

  reset(): void {
    this.read = 0;
    this.write = 0;
    this.calls = 0;
  }

  private count(command: string, consumed: Consumed | Consumed[] | undefined): void {
    this.calls++;
    const reads = command === 'GetItemCommand' || command === 'QueryCommand' || command === 'ScanCommand' || command === 'BatchGetItemCommand' || command === 'TransactGetItemsCommand';
    for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
      const r = c.ReadCapacityUnits;
      const w = c.WriteCapacityUnits;
      if (r === undefined && w === undefined) {
        if (reads) this.read += c.CapacityUnits ?? 0;
        else this.write += c.CapacityUnits ?? 0;
      } else {
        this.read += r ?? 0;
        this.write += w ?? 0;
      }
    }
  }
}
