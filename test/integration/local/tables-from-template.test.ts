import { DescribeTableCommand, DescribeTimeToLiveCommand, type CreateTableCommandInput, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { Job, Task } from '../../../core/model';
import type { Plan } from '../../../core/pass/plan-types';
import { DEFAULT_SERVICE_RESTART } from '../../../core/policy';
import { DynamoStateStore } from '../../../lambdas/adapters/dynamo-state-store';
import { LEASE_TTL_ATTRIBUTE, tableDefinitions, TASK_TTL_ATTRIBUTE, type TableNames } from '../../../lambdas/adapters/table-schema';
import { createTablesFromTemplate, synthesizeTemplate, tableInputsFromTemplate, type CreatedTables } from '../../../local/tables-from-template';
import { useDynamoDbLocal } from '../../support/dynamodb-local';

// Synthesis runs the CDK app in a child process (no bundling: a few seconds).
jest.setTimeout(120_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ddb = useDynamoDbLocal();
let template: Json;
let created: CreatedTables;

beforeAll(async () => {
  template = synthesizeTemplate();
  created = await createTablesFromTemplate(ddb.client, template, 'tpl');
}, 300_000);

const byName = <T extends { AttributeName?: string }>(xs: readonly T[] | undefined) => [...(xs ?? [])].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));

/** The parts of a table the schema module and the template must agree on. */
function shape(t: CreateTableCommandInput | TableDescription) {
  return {
    TableName: t.TableName,
    KeySchema: t.KeySchema,
    AttributeDefinitions: byName(t.AttributeDefinitions),
    GlobalSecondaryIndexes: [...(t.GlobalSecondaryIndexes ?? [])]
      .map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, ProjectionType: g.Projection?.ProjectionType }))
      .sort((a, b) => String(a.IndexName).localeCompare(String(b.IndexName))),
    Stream: t.StreamSpecification?.StreamEnabled ? t.StreamSpecification.StreamViewType : undefined,
  };
}

describe('tables from the synthesised template', () => {
  it('names every table by its role and reports the idempotency table', () => {
    expect(created).toEqual({ tables: { jobs: 'tpl-jobs', tasks: 'tpl-tasks', nodes: 'tpl-nodes', samples: 'tpl-samples', leases: 'tpl-leases', versions: 'tpl-versions' }, idempotency: 'tpl-idempotency' });
  });

  it('creates on DynamoDB Local exactly the keys, attributes, indexes and stream of tableDefinitions()', async () => {
    const names: TableNames = created.tables;
    for (const def of tableDefinitions(names)) {
      const { Table } = await ddb.client.send(new DescribeTableCommand({ TableName: def.TableName }));
      expect(shape(Table!)).toEqual(shape(def));
    }
    const { Table: nodes } = await ddb.client.send(new DescribeTableCommand({ TableName: names.nodes }));
    expect(nodes!.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(nodes!.LatestStreamArn).toBeDefined();
  });

  it('takes on-demand billing from the template, as tableDefinitions() declares it', () => {
    const inputs = tableInputsFromTemplate(template, 'tpl').filter((t) => t.role !== 'idempotency');
    const defs = tableDefinitions(created.tables);
    for (const t of inputs) expect(t.input.BillingMode).toBe(defs.find((d) => d.TableName === t.input.TableName)!.BillingMode);
  });

  it('creates the idempotency table with key id and TTL on expiration', async () => {
    const { Table } = await ddb.client.send(new DescribeTableCommand({ TableName: created.idempotency }));
    expect(Table!.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    const ttl = await ddb.client.send(new DescribeTimeToLiveCommand({ TableName: created.idempotency }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiration', TimeToLiveStatus: 'ENABLED' });
  });

  it('enables TTL where the template does', async () => {
    const ttl = await ddb.client.send(new DescribeTimeToLiveCommand({ TableName: created.tables.tasks }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: TASK_TTL_ATTRIBUTE, TimeToLiveStatus: 'ENABLED' });
    const leases = await ddb.client.send(new DescribeTimeToLiveCommand({ TableName: created.tables.leases }));
    expect(leases.TimeToLiveDescription).toMatchObject({ AttributeName: LEASE_TTL_ATTRIBUTE, TimeToLiveStatus: 'ENABLED' });
    const jobs = await ddb.client.send(new DescribeTimeToLiveCommand({ TableName: created.tables.jobs }));
    expect(jobs.TimeToLiveDescription?.TimeToLiveStatus).not.toBe('ENABLED');
  });

  it('finds the Leases table by the variable that names it, and gives it no stream', () => {
    const leases = tableInputsFromTemplate(template, 'tpl').find((t) => t.role === 'leases')!;
    expect(leases.input.KeySchema).toEqual([{ AttributeName: 'name', KeyType: 'HASH' }]);
    expect(leases.input.StreamSpecification).toBeUndefined();
  });

  it('refuses a template without a Leases table, naming the missing role', async () => {
    const copy = JSON.parse(JSON.stringify(template)) as Json;
    const leasesId = tableInputsFromTemplate(template, 'x').find((t) => t.role === 'leases')!.logicalId;
    delete copy.Resources[leasesId];
    for (const r of Object.values(copy.Resources) as Json[]) {
      const vars = r.Properties?.Environment?.Variables;
      if (vars) delete vars.STOWAGE_LEASES_TABLE;
    }
    await expect(createTablesFromTemplate(ddb.client, copy, 'noleases')).rejects.toThrow(/no DynamoDB table for: leases/);
  });

  it('refuses a table that no Lambda environment gives a role, naming it', () => {
    const copy = JSON.parse(JSON.stringify(template)) as Json;
    copy.Resources.OrphanTable = { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }] } };
    expect(() => tableInputsFromTemplate(copy, 'x')).toThrow(/OrphanTable.*no role/);
  });
});

describe('DynamoStateStore over the template tables', () => {
  const NOW = 1_800_000_000_000;

  it('takes a job, a heartbeat and an assignment, and shows them in a snapshot', async () => {
    const store = new DynamoStateStore(ddb.client, created.tables);
    const job: Job = {
      id: 'web',
      name: 'web',
      image: 'stowage/busybox:local',
      command: ['sleep', '3600'],
      env: {},
      resources: { cpu: 500, memoryMiB: 512 },
      count: 2,
      kind: 'service',
      restart: DEFAULT_SERVICE_RESTART,
      constraints: {},
      doNotDisrupt: false,
      createdAt: NOW - 60_000,
    };
    const tasks: Task[] = [0, 1].map((slot) => ({ id: `web.${slot}`, jobId: 'web', slot, generation: 0, status: 'PENDING', resources: job.resources, restarts: 0, createdAt: job.createdAt }));
    await store.createJob(job, tasks);
    await store.recordHeartbeat(
      { nodeId: 'n1', instanceType: 'm5.large', zone: 'us-east-1a', labels: {}, capacity: { cpu: 2000, memoryMiB: 8192 }, usage: { cpu: 10, memoryMiB: 100 }, pricePerHour: 0.096, containers: [] },
      NOW,
    );
    const plan: Plan = {
      now: NOW,
      assignments: tasks.map((t) => ({ taskId: t.id, jobId: 'web', nodeId: 'n1', from: 'PENDING' as const, generation: 1, resources: t.resources })),
      taskUpdates: [],
      nodeUpdates: [],
      launches: [],
      terminations: [],
      unplaced: [],
      consolidations: [],
    };
    expect(await store.applyPlan(plan)).toMatchObject({ assignmentsCommitted: 2, conflicts: [] });

    const snapshot = await store.snapshot();
    expect(snapshot.jobs.map((j) => j.id)).toEqual(['web']);
    expect(snapshot.tasks.map((t) => ({ id: t.id, status: t.status, nodeId: t.nodeId })).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'web.0', status: 'ASSIGNED', nodeId: 'n1' },
      { id: 'web.1', status: 'ASSIGNED', nodeId: 'n1' },
    ]);
    expect(snapshot.nodes).toHaveLength(1);
    expect(snapshot.nodes[0]).toMatchObject({ id: 'n1', state: 'ACTIVE', allocated: { cpu: 1000, memoryMiB: 1024 } });
    // The byNode index answers from the template's tables too.
    expect((await store.tasksForNode('n1')).map((t) => t.id).sort()).toEqual(['web.0', 'web.1']);
  });
});
