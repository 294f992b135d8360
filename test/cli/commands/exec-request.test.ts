import { SSMClient, StartSessionCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createOptions } from '../../../agent/container-config';
import { containerNameOf, EXEC_ARGV_PATTERN, pickTask, startSessionInput } from '../../../cli/commands/exec-request';
import { execThroughSession } from '../../../cli/commands/exec-session';
import { CliInputError } from '../../../cli/api/errors';
import type { TaskView } from '../../../contract/task-view';

const JOB = 'job-0123456789abcdef0123';
const copy = (slot: number, status: TaskView['status'], generation = 0, nodeId: string | null = 'i-0123456789abcdef0'): TaskView => ({
  id: `${JOB}.${slot}`,
  slot,
  generation,
  version: 1,
  status,
  nodeId,
  restarts: 0,
});

describe('which copy stowage exec enters', () => {
  const tasks = [copy(0, 'STOPPED', 0), copy(0, 'RUNNING', 1), copy(1, 'PENDING', 0, null), copy(2, 'RUNNING', 0)];

  it('takes the lowest running slot by default, the named one with --task', () => {
    expect(pickTask('web', tasks, undefined)).toMatchObject({ slot: 0, generation: 1 });
    expect(pickTask('web', tasks, 2)).toMatchObject({ slot: 2 });
  });

  it('refuses a slot with no running copy, naming the ones that run', () => {
    expect(() => pickTask('web', tasks, 1)).toThrow(CliInputError);
    expect(() => pickTask('web', tasks, 1)).toThrow('job web has no running copy in slot 1; running copies: --task 0, --task 2');
    expect(() => pickTask('web', [copy(0, 'PENDING', 0, null)], undefined)).toThrow(/no copy of it is running now/);
  });

  it("names the container as the agent does", () => {
    const spec = { taskId: `${JOB}.3`, jobId: JOB, generation: 7, image: 'x', command: [], env: {}, resources: { cpu: 1, memoryMiB: 4 } };
    expect(containerNameOf(spec.taskId, spec.generation)).toBe(createOptions(spec, 'n', '127.0.0.1').name);
  });
});

describe('the StartSession request of stowage exec in AWS', () => {
  const container = containerNameOf(`${JOB}.0`, 1);

  it('names the instance, the stack document, the container and the argv as one parameter each', () => {
    expect(startSessionInput('i-0123456789abcdef0', 'Stowage-NodeDocumentsExec-X1', container, ['ls', '-l', '/var/log'])).toEqual({
      Target: 'i-0123456789abcdef0',
      DocumentName: 'Stowage-NodeDocumentsExec-X1',
      Parameters: { container: [container], argv: ['ls -l /var/log'] },
      Reason: `stowage exec ${container}`,
    });
  });

  it('refuses, naming it, an argument the document could not carry literally', () => {
    for (const [argv, n] of [[['echo', 'a b'], 2], [['sh', '-c', 'id;reboot'], 3], [['echo', '$HOME'], 2], [['cat', "it's"], 2], [['echo', 'x\ny'], 2], [['ls', '*'], 2]] as const) {
      expect(() => startSessionInput('i-0123456789abcdef0', 'doc', container, argv)).toThrow(new RegExp(`argument ${n} `));
    }
    expect(() => startSessionInput('i-0123456789abcdef0', 'doc', container, [])).toThrow(/name the command to run after --/);
  });

  it("accepts the container of a copy a rollout, drain or migration made (its id carries .gN)", () => {
    const moved = containerNameOf(`${JOB}.2.g4`, 4);
    expect(moved).toBe(`stowage-${JOB}.2.g4-g4`);
    expect(startSessionInput('i-0123456789abcdef0', 'doc', moved, ['env']).Parameters!.container).toEqual([moved]);
  });

  it('sends nothing the document would refuse: every accepted argv matches its allowedPattern', () => {
    const argvs = [['echo', 'hi'], ['env'], ['cat', '/etc/os-release'], ['curl', '-s', 'http://127.0.0.1:8080/healthz'], ['a=b', '--flag=1,2', 'user@host', '50%', '+x']];
    for (const argv of argvs) expect(EXEC_ARGV_PATTERN.test(startSessionInput('i-0123456789abcdef0', 'doc', container, argv).Parameters!.argv[0])).toBe(true);
  });
});

describe('execThroughSession', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => {
    ssm.reset();
    ssm.on(StartSessionCommand).resolves({ SessionId: 'alice-0abc', TokenValue: 'tok', StreamUrl: 'wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/alice-0abc', $metadata: {} });
    ssm.on(TerminateSessionCommand).resolves({ SessionId: 'alice-0abc', $metadata: {} });
  });
  const input = startSessionInput('i-0123456789abcdef0', 'doc', containerNameOf(`${JOB}.0`, 1), ['echo', 'hi']);

  it('starts the session with the request as built, and hands its answer to the session plugin', async () => {
    const calls: (readonly string[])[] = [];
    const code = await execThroughSession(new SSMClient({ region: 'eu-west-1' }), 'eu-west-1', input, async (args) => {
      calls.push(args);
      return 0;
    });
    expect(code).toBe(0);
    expect(ssm.commandCalls(StartSessionCommand).map((c) => c.args[0].input)).toEqual([input]);
    expect(calls).toEqual([
      [
        JSON.stringify({ SessionId: 'alice-0abc', TokenValue: 'tok', StreamUrl: 'wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/alice-0abc' }),
        'eu-west-1',
        'StartSession',
        '',
        JSON.stringify({ Target: 'i-0123456789abcdef0' }),
        'https://ssm.eu-west-1.amazonaws.com',
      ],
    ]);
    expect(ssm.commandCalls(TerminateSessionCommand)).toHaveLength(0);
  });

  it('terminates the session at once and says what to install when the plugin is missing', async () => {
    await expect(execThroughSession(new SSMClient({ region: 'eu-west-1' }), 'eu-west-1', input, async () => 'missing')).rejects.toThrow(/session-manager-plugin on PATH.*alice-0abc was terminated unused/);
    expect(ssm.commandCalls(TerminateSessionCommand).map((c) => c.args[0].input)).toEqual([{ SessionId: 'alice-0abc' }]);
  });

  it('answers the exit code of the session', async () => {
    expect(await execThroughSession(new SSMClient({ region: 'eu-west-1' }), 'eu-west-1', input, async () => 7)).toBe(7);
  });
});
