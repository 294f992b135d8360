import { SSMClient, StartSessionCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { CliInputError } from '../../../cli/api/errors';
import { runExec } from '../../../cli/commands/exec';
import type { Job, Task } from '../../../core/model';
import { DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { LOCAL_USER_ARN } from '../../../local/local-api';
import { startCliTestApi, type CliTestApi } from '../../support/cli-test-api';

/**
 * `stowage exec` against a deployment: the copy is found through the API (the real
 * handlers behind the local API, called with a bearer token as a custom domain would
 * be), then one StartSession with the stack's exec document (SSM mocked: no emulator).
 * No session-manager-plugin is installed here, so the session is terminated at once.
 */

const JOB = 'job-0123456789abcdef0123';
const INSTANCE = 'i-0123456789abcdef0';
const ssm = mockClient(SSMClient);
let api: CliTestApi;

beforeAll(async () => {
  api = await startCliTestApi();
  const job: Job = {
    id: JOB,
    name: 'web',
    owner: LOCAL_USER_ARN,
    image: 'nginx',
    command: ['nginx'],
    env: {},
    resources: { cpu: 100, memoryMiB: 64 },
    count: 2,
    kind: 'service',
    restart: DEFAULT_SERVICE_RESTART,
    constraints: {},
    doNotDisrupt: false,
    createdAt: 1,
  };
  const tasks: Task[] = [
    { id: `${JOB}.0`, jobId: JOB, slot: 0, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, createdAt: 1 },
    { id: `${JOB}.1`, jobId: JOB, slot: 1, generation: 3, status: 'RUNNING', nodeId: INSTANCE, resources: job.resources, restarts: 0, createdAt: 1, startedAt: 2 },
  ];
  await api.store.createJob(job, tasks);
});
afterAll(async () => {
  await api?.close();
});
beforeEach(() => {
  ssm.reset();
  ssm.on(StartSessionCommand).resolves({ SessionId: 's-1', TokenValue: 't', StreamUrl: 'wss://x' });
  ssm.on(TerminateSessionCommand).resolves({ SessionId: 's-1' });
});

// No PATH: the plugin is missing here whether or not this machine has it.
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ STOWAGE_TOKEN: api.token, AWS_REGION: 'eu-west-1', PATH: '/nonexistent', ...extra });

describe('stowage exec against a deployment', () => {
  it("starts a session on the running copy's instance with the exec document, then ends it when the plugin is missing", async () => {
    const err = await runExec('web', ['ls', '-l', '/'], { apiUrl: api.url }, env({ STOWAGE_EXEC_DOCUMENT: 'Stowage-NodeDocumentsExec-Ab1' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliInputError);
    expect((err as Error).message).toMatch(/session-manager-plugin/);
    expect(ssm.commandCalls(StartSessionCommand).map((c) => c.args[0].input)).toEqual([
      {
        Target: INSTANCE,
        DocumentName: 'Stowage-NodeDocumentsExec-Ab1',
        Parameters: { container: [`stowage-${JOB}.1-g3`], argv: ['ls -l /'] },
        Reason: `stowage exec stowage-${JOB}.1-g3`,
      },
    ]);
    expect(ssm.commandCalls(TerminateSessionCommand).map((c) => c.args[0].input)).toEqual([{ SessionId: 's-1' }]);
  });

  it('refuses an argument with shell syntax before any session starts', async () => {
    await expect(runExec('web', ['sh', '-c', 'id; reboot'], { apiUrl: api.url, document: 'doc' }, env())).rejects.toThrow(/argument 3 \("id; reboot"\) cannot be sent/);
    expect(ssm.commandCalls(StartSessionCommand)).toHaveLength(0);
  });

  it('names the ways to give the exec document when none is given', async () => {
    await expect(runExec('web', ['ls'], { apiUrl: api.url }, env())).rejects.toThrow(/pass --document, set STOWAGE_EXEC_DOCUMENT, or pass --outputs/);
  });

  it('refuses a slot with no running copy, naming the ones that run', async () => {
    await expect(runExec('web', ['ls'], { apiUrl: api.url, task: 0, document: 'doc' }, env())).rejects.toThrow('job web has no running copy in slot 0; running copies: --task 1');
  });
});
