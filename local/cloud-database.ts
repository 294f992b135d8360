import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { startDynamoDbLocal } from './dynamodb-local';
import type { Piece } from './lifecycle';

/**
 * The local cloud's DynamoDB: a DynamoDB Local started for this run (in memory, gone when
 * it stops), or the one at `endpoint` (LocalStack's), which outlives the run. Either way
 * the value is a table client and a streams client for it; stop closes both and, for
 * DynamoDB Local, ends the Java process.
 */
export interface CloudDatabase {
  readonly client: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
}

export interface CloudDatabaseOptions {
  readonly endpoint?: string;
  readonly region?: string;
  readonly say: (line: string) => void;
  /** Told DynamoDB Local's pid, for the run record, before start returns. */
  readonly onProcess: (pid: number | undefined) => void;
}

export async function startDatabase(o: CloudDatabaseOptions): Promise<Piece<CloudDatabase>> {
  if (o.endpoint) {
    const region = o.region ?? process.env.AWS_REGION ?? 'us-east-1';
    // LocalStack takes any credentials; real ones from the environment are used if set.
    const credentials = process.env.AWS_ACCESS_KEY_ID ? undefined : { accessKeyId: 'test', secretAccessKey: 'test' };
    const client = new DynamoDBClient({ endpoint: o.endpoint, region, ...(credentials ? { credentials } : {}) });
    const streams = new DynamoDBStreamsClient({ endpoint: o.endpoint, region, ...(credentials ? { credentials } : {}) });
    o.say(`using the DynamoDB at ${o.endpoint} (${region})`);
    return {
      value: { client, streams },
      stop: () => {
        streams.destroy();
        client.destroy();
      },
    };
  }

  o.say('starting DynamoDB Local (in memory)');
  const dynamo = await startDynamoDbLocal();
  const streams = new DynamoDBStreamsClient({ endpoint: dynamo.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const stop = async () => {
    streams.destroy();
    await dynamo.stop();
  };
  try {
    o.onProcess(dynamo.pid);
  } catch (err) {
    // Not started, as far as the caller knows: nothing of it may outlive the failure.
    await stop();
    throw err;
  }
  return { value: { client: dynamo.client, streams }, stop };
}
