import { CloudWatchLogsClient, CreateLogGroupCommand, PutRetentionPolicyCommand, ResourceAlreadyExistsException } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { createOptions, JSON_FILE_LOGS, validateLogSettings, type LogSettings } from '../../agent/container-config';
import { demuxDockerLog, parseTimestamped } from '../../agent/docker-log-lines';
import { CloudWatchLogGroups } from '../../agent/log-groups';
import { loggingFromEnv } from '../../agent/main';
import type { ContainerSpec } from '../../core/agent/container';

const SPEC: ContainerSpec = {
  taskId: 'job-0123456789abcdef0123.2.g1',
  jobId: 'job-0123456789abcdef0123',
  generation: 1,
  image: 'stowage/busybox:local',
  command: ['sh', '-c', 'echo hi'],
  env: {},
  resources: { cpu: 250, memoryMiB: 64 },
};
const AWS: LogSettings = { driver: 'awslogs', region: 'eu-west-1', groupPrefix: '/stowage/Prod', retentionDays: 30 };

describe('container log configuration', () => {
  it('locally: json-file rotated at 10 MB, three files', () => {
    expect(createOptions(SPEC, 'n1', '127.0.0.1').HostConfig?.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
    expect(createOptions(SPEC, 'n1', '127.0.0.1', JSON_FILE_LOGS).HostConfig?.LogConfig?.Type).toBe('json-file');
  });

  it('in AWS: awslogs to the job\'s group under the stack prefix, one stream per copy, never creating the group, never blocking the container', () => {
    expect(createOptions(SPEC, 'n1', '0.0.0.0', AWS).HostConfig?.LogConfig).toEqual({
      Type: 'awslogs',
      Config: {
        'awslogs-region': 'eu-west-1',
        'awslogs-group': '/stowage/Prod/job-0123456789abcdef0123',
        'awslogs-stream': 'job-0123456789abcdef0123.2.g1',
        'awslogs-create-group': 'false',
        mode: 'non-blocking',
        'max-buffer-size': '4m',
      },
    });
  });

  it('takes awslogs from the node unit\'s environment, json-file without it, and refuses settings CloudWatch would not', () => {
    expect(loggingFromEnv({})).toEqual(JSON_FILE_LOGS);
    expect(loggingFromEnv({ STOWAGE_LOG_GROUP_PREFIX: '/stowage/Prod', AWS_REGION: 'eu-west-1' })).toEqual(AWS);
    expect(loggingFromEnv({ STOWAGE_LOG_GROUP_PREFIX: '/stowage/Prod', AWS_REGION: 'eu-west-1', STOWAGE_LOG_RETENTION_DAYS: '90' })).toMatchObject({ retentionDays: 90 });
    expect(() => loggingFromEnv({ STOWAGE_LOG_GROUP_PREFIX: '/stowage/Prod', AWS_REGION: 'eu-west-1', STOWAGE_LOG_RETENTION_DAYS: '31' })).toThrow(/retention must be one of/);
    expect(() => loggingFromEnv({ STOWAGE_LOG_GROUP_PREFIX: '/stowage/Prod' })).toThrow(/region must be an AWS region/);
    expect(() => validateLogSettings({ ...AWS, groupPrefix: 'stowage/' })).toThrow(/group prefix must look like/);
  });
});

describe('CloudWatchLogGroups', () => {
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => logs.reset());

  it('creates the group, sets its retention, and asks once per group', async () => {
    logs.on(CreateLogGroupCommand).resolves({});
    logs.on(PutRetentionPolicyCommand).resolves({});
    const groups = new CloudWatchLogGroups(new CloudWatchLogsClient({ region: 'eu-west-1' }));
    await groups.ensure('/stowage/Prod/job-1', 30);
    await groups.ensure('/stowage/Prod/job-1', 30);
    expect(logs.commandCalls(CreateLogGroupCommand).map((c) => c.args[0].input)).toEqual([{ logGroupName: '/stowage/Prod/job-1' }]);
    expect(logs.commandCalls(PutRetentionPolicyCommand).map((c) => c.args[0].input)).toEqual([{ logGroupName: '/stowage/Prod/job-1', retentionInDays: 30 }]);
  });

  it('takes a group another node made, and fails a start it cannot prepare (retriable unless denied)', async () => {
    logs.on(CreateLogGroupCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', $metadata: {} }));
    logs.on(PutRetentionPolicyCommand).resolves({});
    await new CloudWatchLogGroups(new CloudWatchLogsClient({ region: 'eu-west-1' })).ensure('/stowage/Prod/job-2', 7);
    expect(logs.commandCalls(PutRetentionPolicyCommand)).toHaveLength(1);
    logs.reset();
    logs.on(CreateLogGroupCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(new CloudWatchLogGroups(new CloudWatchLogsClient({ region: 'eu-west-1' })).ensure('/other/x', 7)).rejects.toMatchObject({ name: 'RuntimeError', operation: 'create', retriable: false });
    logs.reset();
    logs.on(CreateLogGroupCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(new CloudWatchLogGroups(new CloudWatchLogsClient({ region: 'eu-west-1' })).ensure('/stowage/Prod/job-3', 7)).rejects.toMatchObject({ retriable: true });
  });
});

describe('Docker log lines', () => {
  const frame = (type: number, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = type;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };

  it('joins stdout and stderr frames and reads Docker\'s nanosecond timestamps to the millisecond', () => {
    const raw = Buffer.concat([frame(1, '2026-12-02T07:18:35.123456789Z out line\n'), frame(2, '2026-12-02T07:18:36.5Z err line\n')]);
    expect(parseTimestamped(demuxDockerLog(raw))).toEqual([
      { at: Date.UTC(2026, 11, 2, 7, 18, 35, 123), text: 'out line' },
      { at: Date.UTC(2026, 11, 2, 7, 18, 36, 500), text: 'err line' },
    ]);
  });

  it('keeps a line with no text and skips what carries no timestamp', () => {
    expect(parseTimestamped('2026-12-02T07:18:35Z \nno stamp here\n')).toEqual([{ at: Date.UTC(2026, 11, 2, 7, 18, 35), text: '' }]);
  });
});
