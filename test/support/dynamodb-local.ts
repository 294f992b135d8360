import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { TableNames } from '../../lambdas/adapters/table-schema';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';

/** What a test file reads of its DynamoDB Local: valid from its first hook or test on. */
export interface TestDynamoDb {
  readonly endpoint: string;
  /** The DynamoDBClient pointed at it (the emulator's own: it is destroyed when the emulator stops). */
  readonly client: DynamoDBClient;
  /** A DynamoDBStreamsClient pointed at it, for tests that read a table's stream. */
  readonly streams: DynamoDBStreamsClient;
  /** The emulator itself, for code that takes a DynamoDbLocal (and must not stop it). */
  readonly instance: DynamoDbLocal;
  /** The Stowage tables under `prefix` (`<prefix>-jobs`, ...); a prefix used twice in one file fails. */
  createTables(prefix: string): Promise<TableNames>;
  /** A new set of Stowage tables on each call (`<prefix>1-*`, `<prefix>2-*`, ...), for suites that want a clean store per test. */
  freshTables(prefix: string): Promise<TableNames>;
}

/**
 * One DynamoDB Local for the calling test file: started before its first test (the JVM
 * takes about 5 s, hence the hook's timeout), stopped after its last. Call at module or
 * describe level, where jest hooks may be registered; read the fields inside hooks and
 * tests only, as they exist once the emulator has answered.
 */
export function useDynamoDbLocal(): TestDynamoDb {
  let ddb: DynamoDbLocal | undefined;
  let streams: DynamoDBStreamsClient | undefined;
  let made = 0;
  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
    // Dummy credentials, as the emulator's own client uses: DynamoDB Local checks only that some are present.
    streams = new DynamoDBStreamsClient({ endpoint: ddb.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });
  }, 60_000);
  afterAll(async () => {
    streams?.destroy();
    await ddb?.stop();
  });
  const running = (): DynamoDbLocal => {
    if (!ddb) throw new Error('DynamoDB Local is not running yet: read useDynamoDbLocal() fields inside a hook or test, not while the file is loading');
    return ddb;
  };
  return {
    get endpoint() {
      return running().endpoint;
    },
    get client() {
      return running().client;
    },
    get streams() {
      running();
      return streams as DynamoDBStreamsClient;
    },
    get instance() {
      return running();
    },
    createTables: (prefix) => running().createTables(prefix),
    freshTables: (prefix) => running().createTables(`${prefix}${++made}`),
  };
}
