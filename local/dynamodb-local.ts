import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { tableDefinitions, type TableNames } from '../lambdas/adapters/table-schema';

/**
 * AWS's own DynamoDB emulator, from the npm package amplify-dynamodb-simulator (its
 * jar is never copied into this repository: the licence forbids redistribution).
 * Each test file, and each `npm run local`, starts one in-memory instance on a free loopback port.
 */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** The Java process, so a crashed local cloud's next start can find and stop it. */
  readonly pid: number | undefined;
  createTables(prefix: string): Promise<TableNames>;
  stop(): Promise<void>;
}

const EMULATOR = path.dirname(require.resolve('amplify-dynamodb-simulator/emulator/DynamoDBLocal.jar'));

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error) {
    throw new Error('DynamoDB Local needs a Java runtime and none is on PATH; on Debian: apt-get install -y default-jre-headless');
  }
  const port = await freePort();
  const child: ChildProcess = spawn('java', [`-Djava.library.path=${path.join(EMULATOR, 'DynamoDBLocal_lib')}`, '-jar', 'DynamoDBLocal.jar', '-inMemory', '-port', String(port)], {
    cwd: EMULATOR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const endpoint = `http://127.0.0.1:${port}`;
  // Dummy credentials: DynamoDB Local checks only that some are present.
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 3 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}) before it was ready:\n${output}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    endpoint,
    client,
    pid: child.pid,
    async createTables(prefix) {
      const names: TableNames = { jobs: `${prefix}-jobs`, tasks: `${prefix}-tasks`, nodes: `${prefix}-nodes`, samples: `${prefix}-samples`, leases: `${prefix}-leases`, versions: `${prefix}-versions` };
      for (const def of tableDefinitions(names)) await client.send(new CreateTableCommand(def));
      return names;
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
