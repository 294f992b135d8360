import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROUTE_LIST } from '../../contract/routes';
import { HEARTBEAT_SECONDS, StowageStack, STACK_TAG_KEY } from '../../infra/stowage-stack';
import { RUNTIME_ENV } from '../../infra/runtime-env';
import { bundleAgent } from '../../infra/agent-bundle';
import { DEFAULT_HEARTBEAT_SECONDS, ENV, HEARTBEAT_SECONDS_RANGE } from '../../lambdas/config';
import { SCHEDULER_WAKE_PATTERNS, wakesScheduler } from '../../lambdas/adapters/scheduler-wake-filter';
import { SYNC_COMMAND } from '../../lambdas/adapters/ssm-node-commander';
import { INTERRUPTION_DETAIL_TYPE, REBALANCE_DETAIL_TYPE } from '../../lambdas/adapters/reclaim-event';
import { RECLAIM_DETAIL_TYPES } from '../../infra/interruptions';
import { EXEC_ARGV_PATTERN, EXEC_CONTAINER_PATTERN, SYNC_DOCUMENT_COMMAND } from '../../infra/node-documents';
import { EXEC_ARGV_PATTERN as CLI_ARGV_PATTERN, EXEC_CONTAINER_PATTERN as CLI_CONTAINER_PATTERN } from '../../cli/commands/exec-request';
import { LEASE_TTL_ATTRIBUTE, LIVE_INDEX, tableDefinitions, TASK_TTL_ATTRIBUTE, TASKS_BY_JOB_INDEX, TASKS_BY_NODE_INDEX } from '../../lambdas/adapters/table-schema';

// Bundling six handlers with esbuild, and a whole `cdk synth` in a child process, take a while.
jest.setTimeout(300_000);

const REPO = path.join(__dirname, '..', '..');
const ADMIN = 'arn:aws:iam::111122223333:role/StowageOps';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let outdir: string;
let app: App;
let stack: StowageStack;
let template: Template;
let resources: Record<string, Json>;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-infra-'));
  app = new App({ outdir });
  stack = new StowageStack(app, 'Stowage', { maxNodes: 12, minNodes: 1, instanceTypes: ['m6g.large', 'c6g.xlarge'], admins: [ADMIN] });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Synthesis runs the cdk-nag plugin and throws if it reports unacknowledged errors.
  app.synth();
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Json>;
});

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.resolve((construct.node.defaultChild as CfnResource).logicalId) as string;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** Every statement of every identity policy in the template: managed, inline and role policies. */
function allStatements(): Json[] {
  const out: Json[] = [];
  for (const [, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') out.push(...asArray(r.Properties.PolicyDocument.Statement));
    if (r.Type === 'AWS::IAM::Role') for (const p of r.Properties.Policies ?? []) out.push(...asArray(p.PolicyDocument.Statement));
  }
  return out;
}

function functionFor(construct: { node: { defaultChild?: unknown } }): Json {
  return resources[logicalId(construct)];
}

describe('StowageStack API', () => {
  it('exposes exactly the twelve routes of the design', () => {
    const keys = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).sort();
    expect(keys).toEqual(
      [
        'DELETE /jobs/{id}',
        'GET /jobs',
        'GET /jobs/{id}',
        'GET /jobs/{id}/versions',
        'GET /nodes',
        'GET /report',
        'POST /jobs',
        'POST /jobs/{id}/rollback',
        'POST /jobs/{id}/scale',
        'PUT /jobs/{id}',
        'PUT /nodes/{id}/heartbeat',
        'GET /jobs/{id}/logs',
      ].sort(),
    );
  });

  it('serves each route of contract/routes.ts with the function of the handler module it names', () => {
    const fnOf = new Map<string, string>();
    for (const [id, r] of ofType('AWS::Lambda::Function')) {
      const m = /^Stowage (\w+) handler$/.exec(r.Properties.Description ?? '');
      if (m) fnOf.set(m[1], id);
    }
    const served = Object.fromEntries(
      ofType('AWS::ApiGatewayV2::Route').map(([, r]) => {
        const integration = /"Ref":"([^"]+)"/.exec(JSON.stringify(r.Properties.Target))?.[1] ?? '';
        return [r.Properties.RouteKey, resources[integration]?.Properties.IntegrationUri?.['Fn::GetAtt']?.[0]];
      }),
    );
    expect(served).toEqual(Object.fromEntries(ROUTE_LIST.map((r) => [r.key, fnOf.get(r.handler)])));
  });

  it('requires IAM (SigV4) authorisation on every route', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route');
    expect(routes.length).toBeGreaterThan(0);
    for (const [id, r] of routes) expect({ id, auth: r.Properties.AuthorizationType }).toEqual({ id, auth: 'AWS_IAM' });
  });

  it('logs access on the $default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue() },
    });
  });

  it('outputs the API URL and every table name', () => {
    const outputs = Object.keys(template.toJSON().Outputs ?? {});
    expect(outputs).toEqual(
      expect.arrayContaining(['ApiUrl', 'JobsTableName', 'TasksTableName', 'NodesTableName', 'SamplesTableName', 'LeasesTableName', 'VersionsTableName', 'IdempotencyTableName']),
    );
  });
});

describe('StowageStack tables', () => {
  const names = { jobs: 'jobs', tasks: 'tasks', nodes: 'nodes', samples: 'samples', leases: 'leases', versions: 'versions' };

  it.each(tableDefinitions(names).map((d) => [d.TableName!, d] as const))('%s matches lambdas/adapters/table-schema.ts', (name, def) => {
    const table = stack.tables[name as keyof typeof names];
    const props = resources[logicalId(table)].Properties;
    const byName = <T extends { AttributeName?: string; IndexName?: string }>(xs: T[] = []) =>
      [...xs].sort((a, b) => String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)));

    expect(props.BillingMode).toBe(def.BillingMode);
    expect(props.KeySchema).toEqual(def.KeySchema);
    expect(byName(props.AttributeDefinitions)).toEqual(byName(def.AttributeDefinitions));
    expect(byName(props.GlobalSecondaryIndexes ?? [])).toEqual(byName(def.GlobalSecondaryIndexes ?? []));
    expect(props.StreamSpecification?.StreamViewType).toBe(def.StreamSpecification?.StreamViewType);
  });

  it('uses the index names the store queries', () => {
    const gsis = resources[logicalId(stack.tables.tasks)].Properties.GlobalSecondaryIndexes.map((g: Json) => g.IndexName);
    expect(gsis.sort()).toEqual([TASKS_BY_JOB_INDEX, TASKS_BY_NODE_INDEX, LIVE_INDEX].sort());
  });

  it('turns point-in-time recovery on for every table', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(7);
    for (const [id, t] of tables) {
      expect({ id, pitr: t.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled }).toEqual({ id, pitr: true });
    }
  });

  it('keeps the state tables when the stack is deleted', () => {
    for (const table of [stack.tables.jobs, stack.tables.tasks, stack.tables.nodes, stack.tables.samples]) {
      expect(resources[logicalId(table)].DeletionPolicy).toBe('Retain');
      expect(resources[logicalId(table)].UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('expires samples and leases on expiresAt and idempotency records on expiration', () => {
    expect(resources[logicalId(stack.tables.samples)].Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(resources[logicalId(stack.tables.leases)].Properties.TimeToLiveSpecification).toEqual({ AttributeName: LEASE_TTL_ATTRIBUTE, Enabled: true });
    expect(resources[logicalId(stack.tables.tasks)].Properties.TimeToLiveSpecification).toEqual({ AttributeName: TASK_TTL_ATTRIBUTE, Enabled: true });
    expect(resources[logicalId(stack.tables.nodes)].Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    const idem = resources[logicalId(stack.tables.idempotency)].Properties;
    expect(idem.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(idem.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
  });
});

describe('StowageStack functions', () => {
  it('runs every function on Node.js 24, ARM64', () => {
    const fns = ofType('AWS::Lambda::Function');
    // Six handlers behind the API and the schedule, the interruption notices', and the teardown custom resource's.
    expect(fns).toHaveLength(8);
    for (const [id, f] of fns) {
      expect({ id, runtime: f.Properties.Runtime, arch: f.Properties.Architectures }).toEqual({ id, runtime: 'nodejs24.x', arch: ['arm64'] });
    }
  });

  it('gives every function a log group with a retention', () => {
    for (const [id, f] of ofType('AWS::Lambda::Function')) {
      const group = resources[f.Properties.LoggingConfig?.LogGroup?.Ref];
      expect({ id, retention: group?.Properties?.RetentionInDays }).toEqual({ id, retention: expect.any(Number) });
    }
  });

  it('names the same environment variables and heartbeat periods as lambdas/config.ts', () => {
    expect(RUNTIME_ENV).toEqual(ENV);
    expect(HEARTBEAT_SECONDS).toEqual({ default: DEFAULT_HEARTBEAT_SECONDS, ...HEARTBEAT_SECONDS_RANGE });
    const known = new Set<string>(Object.values(ENV));
    for (const [id, f] of ofType('AWS::Lambda::Function')) {
      for (const name of Object.keys(f.Properties.Environment?.Variables ?? {})) expect({ id, name, known: known.has(name) }).toEqual({ id, name, known: true });
    }
  });

  it('gives the scheduler every variable but the idempotency table, and submit the idempotency table', () => {
    const scheduler = functionFor(stack.scheduler.fn).Properties.Environment.Variables;
    // The load balancer's variables come only with -c loadBalancer=true (test/infra/load-balancer.test.ts).
    const notTheScheduler: string[] = [ENV.idempotencyTable, ENV.admins, ENV.nodeRoleName, ENV.lbListenerArn, ENV.lbDnsName, ENV.lbUrl, ENV.vpcId, ENV.logGroupPrefix];
    expect(Object.keys(scheduler).sort()).toEqual(Object.values(ENV).filter((v) => !notTheScheduler.includes(v)).sort());
    expect(scheduler[ENV.stackTagKey]).toBe(STACK_TAG_KEY);
    expect(scheduler[ENV.stackTagValue]).toBe('Stowage');
    expect(scheduler[ENV.maxNodes]).toBe('12');
    expect(scheduler[ENV.minNodes]).toBe('1');
    expect(scheduler[ENV.instanceTypes]).toBe('m6g.large,c6g.xlarge');

    const submit = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('Submit'));
    expect(submit?.[1].Properties.Environment.Variables[ENV.idempotencyTable]).toEqual({ Ref: logicalId(stack.tables.idempotency) });
  });

  it("tells the heartbeat handler the node role's name, so only that role's sessions speak for nodes", () => {
    const heartbeat = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('Heartbeat'));
    expect(heartbeat?.[1].Properties.Environment.Variables[ENV.nodeRoleName]).toEqual({ Ref: logicalId(stack.fleet.role) });
  });

  it('grants each API function only the tables it uses', () => {
    const tablesOf = (prefix: string): string[] => {
      const fnId = Object.keys(resources).find((id) => resources[id].Type === 'AWS::Lambda::Function' && id.startsWith(prefix))!;
      const roleRef = resources[fnId].Properties.Role['Fn::GetAtt'][0];
      const refs = new Set<string>();
      for (const r of Object.values(resources)) {
        if (r.Type !== 'AWS::IAM::Policy' || !JSON.stringify(r.Properties.Roles).includes(roleRef)) continue;
        for (const m of JSON.stringify(r.Properties.PolicyDocument).matchAll(/"(State[A-Za-z]+?)[0-9A-F]{8}"/g)) refs.add(m[1]);
      }
      return [...refs].sort();
    };
    expect(tablesOf('Report')).toEqual(['StateSamples']);
    expect(tablesOf('Nodes')).toEqual(['StateNodes']);
    for (const api of ['Submit', 'Jobs', 'Nodes', 'Heartbeat', 'Report']) expect({ api, leases: tablesOf(api).includes('StateLeases') }).toEqual({ api, leases: false });
  });

  it('lets only the submit and jobs functions touch the Versions table', () => {
    const versionsId = logicalId(stack.tables.versions);
    const rolesOn = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.PolicyDocument).includes(versionsId))
      .flatMap((r) => asArray<Json>(r.Properties.Roles).map((x) => JSON.stringify(x)));
    const roleOf = (prefix: string) => {
      const fnId = Object.keys(resources).find((id) => resources[id].Type === 'AWS::Lambda::Function' && id.startsWith(prefix))!;
      return JSON.stringify({ Ref: resources[fnId].Properties.Role['Fn::GetAtt'][0] });
    };
    expect(rolesOn.sort()).toEqual([roleOf('Submit'), roleOf('Jobs')].sort());
    expect(resources[versionsId].Properties.KeySchema).toEqual([
      { AttributeName: 'jobId', KeyType: 'HASH' },
      { AttributeName: 'version', KeyType: 'RANGE' },
    ]);
  });

  it('lets only the scheduler use the Leases table, and only to take and release a lease and keep the capacity memory', () => {
    const leasesArn = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack.tables.leases), 'Arn'] });
    const onLeases = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => asArray<Json>(r.Properties.PolicyDocument.Statement).map((statement) => ({ roles: JSON.stringify(r.Properties.Roles), statement })))
      .filter(({ statement }) => asArray(statement.Resource).some((x) => JSON.stringify(x).includes(logicalId(stack.tables.leases))));
    const schedulerRole = (functionFor(stack.scheduler.fn).Properties.Role as Json)['Fn::GetAtt'][0];
    expect(onLeases).toHaveLength(1);
    expect(onLeases[0].roles).toContain(schedulerRole);
    expect(asArray(onLeases[0].statement.Action).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(asArray(onLeases[0].statement.Resource).map((x) => JSON.stringify(x))).toEqual([leasesArn]);
  });

  it('gives the Leases table no stream, so taking a lease wakes no scheduler', () => {
    expect(resources[logicalId(stack.tables.leases)].Properties.StreamSpecification).toBeUndefined();
    const sources = ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => JSON.stringify(m.Properties.EventSourceArn));
    expect(sources.some((s) => s.includes(logicalId(stack.tables.leases)))).toBe(false);
  });

  it('wakes the scheduler from the Nodes stream, batched over 5 s, with bounded retries', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.scheduler.fn) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.tables.nodes), 'StreamArn'] },
      MaximumBatchingWindowInSeconds: 5,
      MaximumRetryAttempts: Match.anyValue(),
    });
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping')[0];
    expect(mapping.Properties.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
    expect(mapping.Properties.MaximumRetryAttempts).toBeLessThanOrEqual(5);
  });

  it('filters the Nodes stream with exactly the wake patterns the store and the local poller use', () => {
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(([, m]) => JSON.stringify(m.Properties.EventSourceArn).includes(logicalId(stack.tables.nodes)))!;
    const patterns = (mapping.Properties.FilterCriteria.Filters as { Pattern: string }[]).map((f) => JSON.parse(f.Pattern));
    expect(patterns).toEqual(SCHEDULER_WAKE_PATTERNS);
    // The filter reads the new image, so the stream must carry it.
    expect(resources[logicalId(stack.tables.nodes)].Properties.StreamSpecification.StreamViewType).toBe('NEW_IMAGE');
  });

  it('lets through a new or gone node and a changing write, and drops a quiet heartbeat', () => {
    const modify = (image: Json) => ({ eventName: 'MODIFY' as const, dynamodb: { Keys: { id: { S: 'n1' } }, NewImage: { id: { S: 'n1' }, ...image } } });
    expect(wakesScheduler({ eventName: 'INSERT', dynamodb: { NewImage: { id: { S: 'n1' } } } })).toBe(true);
    expect(wakesScheduler({ eventName: 'REMOVE', dynamodb: { Keys: { id: { S: 'n1' } } } })).toBe(true);
    expect(wakesScheduler(modify({ state: { S: 'ACTIVE' } }))).toBe(true);
    expect(wakesScheduler(modify({ state: { S: 'ACTIVE' }, quietBeat: { BOOL: true } }))).toBe(false);
  });

  it('wakes the scheduler from its wake queue: encrypted, TLS only, kept an hour, batched over 1 s', () => {
    const queueId = logicalId(stack.scheduler.wakeQueue);
    expect(resources[queueId].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 3600, VisibilityTimeout: 360 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stack.scheduler.fn) },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
    });
    const [, queuePolicy] = ofType('AWS::SQS::QueuePolicy').find(([, r]) => JSON.stringify(r.Properties.Queues).includes(queueId))!;
    expect(asArray<Json>(queuePolicy.Properties.PolicyDocument.Statement)).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('lets only the scheduler (its follow-ups) and the submit and jobs functions (a user\'s change) and the interruptions function (a reclaim notice) send wakes, and tells them the queue', () => {
    const queueArn = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack.scheduler.wakeQueue), 'Arn'] });
    const senders = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => asArray<Json>(r.Properties.PolicyDocument.Statement).some((st) => asArray<string>(st.Action).includes('sqs:SendMessage') && asArray(st.Resource).some((x) => JSON.stringify(x) === queueArn)))
      .flatMap((r) => asArray<Json>(r.Properties.Roles).map((x) => x.Ref as string));
    const roleOf = (prefix: string) => {
      const fnId = Object.keys(resources).find((id) => resources[id].Type === 'AWS::Lambda::Function' && id.startsWith(prefix))!;
      return resources[fnId].Properties.Role['Fn::GetAtt'][0] as string;
    };
    // ...and the interruptions function: a reclaim notice wants a pass at once.
    expect(senders.sort()).toEqual([roleOf('Scheduler'), roleOf('Submit'), roleOf('Jobs'), roleOf('Interruptions')].sort());
    for (const prefix of ['Submit', 'Jobs']) {
      const fnId = Object.keys(resources).find((id) => resources[id].Type === 'AWS::Lambda::Function' && id.startsWith(prefix))!;
      expect(resources[fnId].Properties.Environment.Variables[ENV.wakeQueueUrl]).toEqual({ Ref: logicalId(stack.scheduler.wakeQueue) });
    }
  });

  it('also runs the scheduler every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.scheduler.fn), 'Arn'] } })],
    });
  });
});

describe('StowageStack least privilege', () => {
  const grants = (s: Json, action: string) =>
    asArray<string>(s.Action).some((a) => a === action || a === '*' || (a.endsWith('*') && action.startsWith(a.slice(0, -1))));

  it.each(['ssm:SendCommand', 'ec2:TerminateInstances'])('never grants %s on * without a condition', (action) => {
    const statements = allStatements().filter((s) => s.Effect === 'Allow' && grants(s, action));
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      if (asArray(s.Resource).includes('*')) expect(s.Condition).toBeDefined();
    }
  });

  it('conditions every grant on instance/* on the stack tag or on tagging at launch', () => {
    const onInstances = allStatements().filter((s) => JSON.stringify(s.Resource ?? '').includes(':instance/*'));
    expect(onInstances.length).toBeGreaterThan(0);
    for (const s of onInstances) {
      const condition = JSON.stringify(s.Condition ?? {});
      expect(condition).toMatch(new RegExp(`(RequestTag|ResourceTag|resourceTag)/${STACK_TAG_KEY}|ec2:CreateAction`));
    }
  });

  it("sends only the stack's own sync document, which runs the one fixed command and takes no parameters", () => {
    const documents = allStatements()
      .filter((s) => grants(s, 'ssm:SendCommand'))
      .flatMap((s) => asArray(s.Resource))
      .filter((r) => JSON.stringify(r).includes(':document/'));
    expect(documents).toHaveLength(1);
    const syncId = logicalId({ node: { defaultChild: stack.documents.sync } });
    expect(JSON.stringify(documents[0])).toContain(`":document/",${JSON.stringify({ Ref: syncId })}`);
    const doc = resources[syncId];
    expect(doc.Type).toBe('AWS::SSM::Document');
    expect(doc.Properties.DocumentType).toBe('Command');
    expect(doc.Properties.Content.schemaVersion).toBe('2.2');
    expect(doc.Properties.Content.parameters).toBeUndefined();
    expect(doc.Properties.Content.mainSteps).toHaveLength(1);
    expect(doc.Properties.Content.mainSteps[0].action).toBe('aws:runShellScript');
    expect(doc.Properties.Content.mainSteps[0].inputs.runCommand).toEqual([SYNC_COMMAND]);
    expect(SYNC_DOCUMENT_COMMAND).toBe(SYNC_COMMAND);
    expect(JSON.stringify(allStatements())).not.toContain('AWS-RunShellScript');
  });

  it('tells the scheduler the sync document by name', () => {
    const syncId = logicalId({ node: { defaultChild: stack.documents.sync } });
    expect(functionFor(stack.scheduler.fn).Properties.Environment.Variables[ENV.syncDocument]).toEqual({ Ref: syncId });
  });

  it('keeps an exec Session document whose parameters admit no shell syntax, the same rules the CLI checks', () => {
    const doc = resources[logicalId({ node: { defaultChild: stack.documents.exec } })];
    expect(doc.Properties.DocumentType).toBe('Session');
    const content = doc.Properties.Content;
    expect(content.sessionType).toBe('InteractiveCommands');
    expect(content.properties.linux.commands).toBe('docker exec -i -t {{ container }} {{ argv }}');
    expect(Object.keys(content.parameters).sort()).toEqual(['argv', 'container']);
    expect(content.parameters.container.allowedPattern).toBe(EXEC_CONTAINER_PATTERN);
    expect(content.parameters.argv.allowedPattern).toBe(EXEC_ARGV_PATTERN);
    expect([CLI_CONTAINER_PATTERN.source, CLI_ARGV_PATTERN.source]).toEqual([EXEC_CONTAINER_PATTERN, EXEC_ARGV_PATTERN]);
    const argv = new RegExp(EXEC_ARGV_PATTERN);
    expect(argv.test('echo hi')).toBe(true);
    expect(argv.test('ls -la /var/log')).toBe(true);
    for (const bad of ['echo hi; reboot', 'echo $(id)', 'echo `id`', 'cat /etc/*', 'a  b', 'echo "x"', "echo 'x'", 'a\nb', 'a > b', 'a | b', 'a && b', '~/x', '', ' a']) {
      expect({ bad, ok: argv.test(bad) }).toEqual({ bad, ok: false });
    }
    const container = new RegExp(EXEC_CONTAINER_PATTERN);
    expect(container.test('stowage-job-0123456789abcdef0123.0-g0')).toBe(true);
    // A copy made by a rollout, drain or migration: its id carries its generation (core/pass/drains.ts).
    expect(container.test('stowage-job-0123456789abcdef0123.0.g3-g3')).toBe(true);
    for (const bad of ['--privileged', 'stowage-job-0123456789abcdef0123.0-g0 --user root', 'stowage-job-0123456789abcdef0123.0.g3 -g3', 'other']) expect(container.test(bad)).toBe(false);
  });

  it('outputs the exec document name for the operators to grant ssm:StartSession on', () => {
    const outputs = template.toJSON().Outputs as Json;
    expect(outputs.ExecDocumentName.Value).toEqual({ Ref: logicalId({ node: { defaultChild: stack.documents.exec } }) });
  });

  it('grants no one ssm:StartSession: who may exec is the operators\' decision', () => {
    expect(allStatements().filter((s) => grants(s, 'ssm:StartSession'))).toEqual([]);
  });

  it('tells the submit and jobs functions (only) the admin principals', () => {
    for (const [id, f] of ofType('AWS::Lambda::Function')) {
      const value = f.Properties.Environment?.Variables?.[ENV.admins];
      expect({ id, value }).toEqual({ id, value: id.startsWith('Submit') || id.startsWith('Jobs') ? ADMIN : undefined });
    }
  });

  it('launches instances only through the stack launch template', () => {
    const run = allStatements().filter((s) => asArray(s.Action).includes('ec2:RunInstances') && JSON.stringify(s.Resource).includes(':instance/'));
    expect(run.length).toBeGreaterThan(0);
    for (const s of run) expect(JSON.stringify(s.Condition?.ArnLike?.['ec2:LaunchTemplate'])).toContain('launch-template');
  });

  it('passes only the node role, only to EC2', () => {
    const passRole = allStatements().filter((s) => grants(s, 'iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(passRole[0].Resource).toEqual({ 'Fn::GetAtt': [logicalId(stack.fleet.role), 'Arn'] });
    expect(passRole[0].Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
  });

  it('lets the scheduler tag only as part of a launch (RunInstances, or CreateFleet for Spot)', () => {
    for (const s of allStatements().filter((x) => grants(x, 'ec2:CreateTags'))) {
      expect(s.Condition).toEqual({ StringEquals: { 'ec2:CreateAction': ['RunInstances', 'CreateFleet'] } });
    }
  });

  it('lets nodes create log groups and write streams only under /stowage/<stack>/, and only the jobs function read them', () => {
    const logStatements = allStatements().filter((s) => asArray<string>(s.Action).some((a) => a.startsWith('logs:')) && JSON.stringify(s.Resource).includes('log-group:/stowage/'));
    const byActions = Object.fromEntries(logStatements.map((s) => [asArray<string>(s.Action).sort().join(','), JSON.stringify(s.Resource)]));
    expect(Object.keys(byActions).sort()).toEqual(['logs:CreateLogGroup,logs:PutRetentionPolicy', 'logs:CreateLogStream,logs:PutLogEvents', 'logs:FilterLogEvents']);
    expect(byActions['logs:CreateLogGroup,logs:PutRetentionPolicy']).toMatch(/:log-group:\/stowage\/Stowage\/\*"/);
    expect(byActions['logs:CreateLogStream,logs:PutLogEvents']).toMatch(/:log-group:\/stowage\/Stowage\/\*:log-stream:\*"/);
    expect(byActions['logs:FilterLogEvents']).toMatch(/:log-group:\/stowage\/Stowage\/\*"/);
    // No log grant of any role reaches beyond the prefix (the functions' own log groups are each their own).
    for (const s of allStatements().filter((x) => asArray<string>(x.Action).some((a) => /^logs:(CreateLogGroup|PutRetentionPolicy|FilterLogEvents)$/.test(a)))) {
      expect(JSON.stringify(s.Resource)).toContain('log-group:/stowage/Stowage/');
    }
    const jobsFn = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('Jobs'));
    expect(jobsFn?.[1].Properties.Environment.Variables[ENV.logGroupPrefix]).toBe('/stowage/Stowage');
  });

  it('lets nodes read job secrets only under the stack prefix: SSM parameters /stowage/<stack>/*, Secrets Manager secrets stowage/<stack>/*', () => {
    const reads = allStatements().filter((s) => asArray<string>(s.Action).some((a) => /^(ssm:GetParameters?|secretsmanager:GetSecretValue)$/.test(a)));
    const byAction = Object.fromEntries(reads.map((s) => [asArray<string>(s.Action).sort().join(','), JSON.stringify(s.Resource)]));
    expect(Object.keys(byAction).sort()).toEqual(['secretsmanager:GetSecretValue', 'ssm:GetParameter,ssm:GetParameters']);
    expect(byAction['ssm:GetParameter,ssm:GetParameters']).toMatch(/:parameter\/stowage\/Stowage\/\*"/);
    expect(byAction['secretsmanager:GetSecretValue']).toMatch(/:secret:stowage\/Stowage\/\*"/);
    const submit = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('Submit'));
    expect(submit?.[1].Properties.Environment.Variables[ENV.stackTagValue]).toBe('Stowage');
  });

  it("gives nodes the SSM agent's own actions instead of AmazonSSMManagedInstanceCore, and no parameter read on *", () => {
    const role = resources[logicalId(stack.fleet.role)];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const roleId = logicalId(stack.fleet.role);
    const nodeStatements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId))
      .flatMap((r) => asArray<Json>(r.Properties.PolicyDocument.Statement));
    // On '*': a parameter read scoped to the stack's prefix is another matter.
    const ssmActions = nodeStatements
      .filter((st) => asArray(st.Resource).includes('*'))
      .flatMap((st) => asArray<string>(st.Action))
      .filter((a) => /^(ssm|ssmmessages|ec2messages):/.test(a));
    expect(ssmActions.sort()).toEqual(
      [
        'ssm:UpdateInstanceInformation',
        'ssmmessages:CreateControlChannel',
        'ssmmessages:CreateDataChannel',
        'ssmmessages:OpenControlChannel',
        'ssmmessages:OpenDataChannel',
        'ec2messages:AcknowledgeMessage',
        'ec2messages:DeleteMessage',
        'ec2messages:FailMessage',
        'ec2messages:GetEndpoint',
        'ec2messages:GetMessages',
        'ec2messages:SendReply',
      ].sort(),
    );
  });

  it("lets nodes call only the heartbeat function's URL, with IAM auth, and no API route", () => {
    const heartbeatFn = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties.Environment ?? {}).includes('STOWAGE_NODE_ROLE_NAME'))![0];
    const nodeRole = logicalId(stack.fleet.role);
    const nodeStatements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(nodeRole))
      .flatMap((r) => asArray(r.Properties.PolicyDocument.Statement));
    const lambdaGrants = nodeStatements.filter((st) => asArray(st.Action).some((a: string) => a.startsWith('lambda:')));
    expect(lambdaGrants.map((st) => ({ action: st.Action, condition: st.Condition }))).toEqual(
      expect.arrayContaining([
        { action: 'lambda:InvokeFunctionUrl', condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } },
        { action: 'lambda:InvokeFunction', condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } } },
      ]),
    );
    expect(lambdaGrants).toHaveLength(2);
    for (const st of lambdaGrants) expect(JSON.stringify(st.Resource)).toContain(heartbeatFn);
    expect(allStatements().filter((st) => grants(st, 'execute-api:Invoke'))).toEqual([]);
    const urls = ofType('AWS::Lambda::Url');
    expect(urls).toHaveLength(1);
    expect(urls[0][1].Properties).toMatchObject({ AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [heartbeatFn, 'Arn'] } });
  });

  it('sets the heartbeat period on the agent, the scheduler and the heartbeat function (10 s unless -c heartbeatSeconds says otherwise)', () => {
    const env = (id: string) => resources[id].Properties.Environment.Variables as Json;
    const heartbeatFn = Object.entries(resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties.Environment ?? {}).includes('STOWAGE_NODE_ROLE_NAME'))![0];
    expect(env(heartbeatFn).STOWAGE_HEARTBEAT_SECONDS).toBe('10');
    expect(env(logicalId(stack.scheduler.fn)).STOWAGE_HEARTBEAT_SECONDS).toBe('10');
    expect(JSON.stringify(resources[logicalId(stack.fleet.launchTemplate)].Properties.LaunchTemplateData.UserData)).toContain('stowage-agent run --ec2 --interval-s 10');
    expect(() => new StowageStack(new App(), 'Fast', { heartbeatSeconds: 2 })).toThrow(/heartbeatSeconds: must be a whole number of seconds from 5 to 60, got 2/);
  });
});

describe('StowageStack nodes', () => {
  let launchTemplate: Json;
  let userData: string;
  beforeAll(() => {
    launchTemplate = resources[logicalId(stack.fleet.launchTemplate)].Properties.LaunchTemplateData;
    userData = JSON.stringify(launchTemplate.UserData);
  });

  it('tells the agent the stack\'s log prefix and retention (30 days unless -c logRetentionDays says otherwise)', () => {
    expect(userData).toContain('Environment=STOWAGE_LOG_GROUP_PREFIX=/stowage/Stowage');
    expect(userData).toContain('Environment=STOWAGE_LOG_RETENTION_DAYS=30');
    expect(() => new StowageStack(new App(), 'Odd', { logRetentionDays: 31 })).toThrow(/logRetentionDays.*must be one of CloudWatch Logs' retention periods/);
  });

  it('requires IMDSv2', () => {
    expect(launchTemplate.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
  });

  it('boots Amazon Linux 2023 for ARM64 from the public SSM parameter (no lookup, so no credentials)', () => {
    const parameter = launchTemplate.ImageId.Ref;
    const params = template.toJSON().Parameters as Json;
    expect(params[parameter].Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
    expect(params[parameter].Default).toMatch(/al2023-ami-kernel-.*-arm64/);
  });

  it('installs Docker and Node.js, fetches the agent bundle, runs it as a systemd service', () => {
    expect(userData).toMatch(/dnf install -y docker nodejs/);
    expect(userData).toContain('aws s3 cp');
    expect(userData).toContain('ExecStart=/usr/local/bin/stowage-agent run --ec2 --interval-s 10');
    // The agent's one call, its heartbeat, goes to the heartbeat function's URL.
    expect(userData).toMatch(/Environment=STOWAGE_API_URL=[^A-Za-z]*Fn::GetAtt[^A-Za-z]*Heartbeat[A-Za-z0-9]*FunctionUrl[A-Za-z0-9]*[^A-Za-z]*FunctionUrl/);
    expect(userData).toContain('systemctl enable --now stowage-agent');
  });

  it('ships the agent as a self-contained bundle that runs with no node_modules beside it', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-agent-bundle-'));
    try {
      expect(bundleAgent(REPO, out)).toBe(true);
      const bin = path.join(out, 'bin', 'stowage-agent');
      expect(fs.statSync(bin).mode & 0o111).not.toBe(0);
      const run = spawnSync(process.execPath, [bin, '--help'], { cwd: out, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/Usage: stowage-agent/);
      expect(run.stdout).toMatch(/\bsync\b/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('defines no network interfaces, so Ec2Fleet can choose the subnet', () => {
    expect(launchTemplate.NetworkInterfaces).toBeUndefined();
  });

  it('admits no inbound traffic to nodes', () => {
    const sg = resources[logicalId(stack.fleet.securityGroup)].Properties;
    expect(sg.SecurityGroupIngress ?? []).toEqual([]);
    expect(ofType('AWS::EC2::SecurityGroupIngress')).toHaveLength(0);
  });

  it('builds a small VPC without NAT gateways', () => {
    expect(ofType('AWS::EC2::NatGateway')).toHaveLength(0);
    expect(ofType('AWS::EC2::Subnet')).toHaveLength(2);
  });
});

describe('StowageStack Spot interruption notices', () => {
  const roleStatements = (roleId: string) =>
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && asArray<Json>(r.Properties.Roles).some((x) => x.Ref === roleId))
      .flatMap((r) => asArray<Json>(r.Properties.PolicyDocument.Statement));

  it('routes both notices of EC2 (the handler reads the same detail types) from aws.ec2 to the interruption queue', () => {
    expect([...RECLAIM_DETAIL_TYPES]).toEqual([INTERRUPTION_DETAIL_TYPE, REBALANCE_DETAIL_TYPE]);
    const rule = resources[logicalId(stack.interruptions.rule)];
    expect(rule.Properties.EventPattern).toEqual({ source: ['aws.ec2'], 'detail-type': [INTERRUPTION_DETAIL_TYPE, REBALANCE_DETAIL_TYPE] });
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalId(stack.interruptions.queue), 'Arn'] } })]);
    // EventBridge may send to the queue: its policy allows events.amazonaws.com for this rule only.
    const queuePolicy = Object.values(resources).find((r) => r.Type === 'AWS::SQS::QueuePolicy' && asArray<Json>(r.Properties.Queues).some((q) => q.Ref === logicalId(stack.interruptions.queue)))!;
    const send = asArray<Json>(queuePolicy.Properties.PolicyDocument.Statement).find((st) => st.Principal?.Service === 'events.amazonaws.com')!;
    expect(send.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack.interruptions.rule), 'Arn'] } } });
  });

  it('keeps the queue encrypted, TLS-only, with a dead-letter queue, and the function reports failed messages one by one', () => {
    const queue = resources[logicalId(stack.interruptions.queue)];
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.interruptions.deadLetters), 'Arn'] }, maxReceiveCount: 5 } });
    expect(resources[logicalId(stack.interruptions.deadLetters)].Properties).toMatchObject({ SqsManagedSseEnabled: true });
    const mapping = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.EventSourceArn?.['Fn::GetAtt']?.[0] === logicalId(stack.interruptions.queue))!;
    expect(mapping.Properties).toMatchObject({ FunctionName: { Ref: logicalId(stack.interruptions.fn.fn) }, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('lets the interruptions function update and read node items only, consume its queue and send to the wake queue', () => {
    const st = roleStatements(logicalId(stack.interruptions.fn.role)).filter((x) => !asArray<string>(x.Action).some((a) => a.startsWith('logs:')));
    const byAction = Object.fromEntries(st.flatMap((x) => asArray<string>(x.Action).map((a) => [a, JSON.stringify(x.Resource)])));
    expect(Object.keys(byAction).filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(byAction['dynamodb:UpdateItem']).toContain(logicalId(stack.tables.nodes));
    expect(byAction['dynamodb:UpdateItem']).not.toMatch(/index/);
    expect(byAction['sqs:SendMessage']).toContain(logicalId(stack.scheduler.wakeQueue));
    expect(byAction['sqs:ReceiveMessage']).toContain(logicalId(stack.interruptions.queue));
    const fn = resources[logicalId(stack.interruptions.fn.fn)];
    expect(fn.Properties.Environment.Variables[ENV.wakeQueueUrl]).toEqual({ Ref: logicalId(stack.scheduler.wakeQueue) });
  });

  it('lets the scheduler launch Spot through CreateFleet, the fleet request tagged with the stack tag', () => {
    const fleet = allStatements().filter((x) => asArray<string>(x.Action).includes('ec2:CreateFleet') && JSON.stringify(x.Resource).includes(':fleet/'));
    expect(fleet).toHaveLength(1);
    expect(fleet[0].Condition).toEqual({ StringEquals: { [`aws:RequestTag/${STACK_TAG_KEY}`]: 'Stowage' } });
    const onInstances = allStatements().filter((x) => asArray<string>(x.Action).includes('ec2:CreateFleet') && JSON.stringify(x.Resource).includes(':instance/'));
    expect(onInstances).toHaveLength(1);
    expect(onInstances[0].Condition.StringEquals).toEqual({ [`aws:RequestTag/${STACK_TAG_KEY}`]: 'Stowage' });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged errors', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const errors = report.violations.filter((v) => v.severity === 'error').map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(errors).toEqual([]);
  });

  it('leaves no error annotations on the stack', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });
});

describe('npx cdk synth', () => {
  it('succeeds with no AWS credentials in the environment', () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
    env.CDK_DISABLE_VERSION_CHECK = 'true';
    // No shared credentials or config files either.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-home-'));
    env.HOME = home;
    env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'none');
    env.AWS_CONFIG_FILE = path.join(home, 'none');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-synth-'));
    try {
      const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', out], {
        cwd: REPO,
        env,
        encoding: 'utf8',
        timeout: 240_000,
      });
      expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, stderr: '' });
      expect(fs.existsSync(path.join(out, 'Stowage.template.json'))).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
