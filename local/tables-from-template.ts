import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type BillingMode,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type Projection,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENV } from '../lambdas/config';
import type { TableNames } from '../lambdas/adapters/table-schema';

/**
 * DynamoDB Local's tables, created from the synthesised CDK template, so the local cloud
 * and a deployed stack cannot disagree on keys, indexes or streams. Each table's role is
 * found the way the Lambdas find it: the environment variable that carries its name
 * (lambdas/config.ts `ENV`).
 */

export type TableRole = 'jobs' | 'tasks' | 'nodes' | 'samples' | 'leases' | 'versions' | 'idempotency';

export interface TemplateTable {
  readonly logicalId: string;
  readonly role: TableRole;
  readonly input: CreateTableCommandInput;
  /** The TTL attribute, where the template enables TimeToLiveSpecification. */
  readonly ttlAttribute?: string;
}

export interface CreatedTables {
  readonly tables: TableNames;
  readonly idempotency: string;
}

const ROLE_BY_VARIABLE: Readonly<Record<string, TableRole>> = {
  [ENV.jobsTable]: 'jobs',
  [ENV.tasksTable]: 'tasks',
  [ENV.nodesTable]: 'nodes',
  [ENV.samplesTable]: 'samples',
  [ENV.leasesTable]: 'leases',
  [ENV.versionsTable]: 'versions',
  [ENV.idempotencyTable]: 'idempotency',
};

const ROLES: readonly TableRole[] = ['jobs', 'tasks', 'nodes', 'samples', 'leases', 'versions', 'idempotency'];

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

/** `{ Ref: <logicalId> }` → the logical id; anything else (literal names, intrinsics) → undefined. */
function refOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.Ref === 'string' && Object.keys(value).length === 1 ? value.Ref : undefined;
}

function resourcesOf(template: object): Record<string, Json> {
  const resources = (template as Json).Resources;
  if (!isObject(resources)) throw new Error('CloudFormation template has no Resources section');
  return resources as Record<string, Json>;
}

/** Logical id of each table → its role, from every Lambda function's environment. */
function rolesFromFunctions(resources: Record<string, Json>): Map<string, TableRole> {
  const roles = new Map<string, TableRole>();
  for (const [fnId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = isObject(resource.Properties) ? resource.Properties : {};
    const env = isObject(props.Environment) ? props.Environment : {};
    const variables = isObject(env.Variables) ? env.Variables : {};
    for (const [variable, value] of Object.entries(variables)) {
      const role = ROLE_BY_VARIABLE[variable];
      const tableId = refOf(value);
      if (!role || !tableId) continue;
      const known = roles.get(tableId);
      if (known && known !== role) {
        throw new Error(`DynamoDB table ${tableId} is referenced as ${role} by function ${fnId} (${variable}) but as ${known} elsewhere`);
      }
      roles.set(tableId, role);
    }
  }
  return roles;
}

function str(x: unknown, what: string): string {
  if (typeof x !== 'string' || x === '') throw new Error(`${what} is not a literal string: ${JSON.stringify(x)}`);
  return x;
}

function keySchema(x: unknown, what: string): KeySchemaElement[] {
  const keys = list(x).map((k, i) => {
    if (!isObject(k)) throw new Error(`${what} KeySchema[${i}] is not an object`);
    return { AttributeName: str(k.AttributeName, `${what} KeySchema[${i}].AttributeName`), KeyType: str(k.KeyType, `${what} KeySchema[${i}].KeyType`) as KeySchemaElement['KeyType'] };
  });
  if (keys.length === 0) throw new Error(`${what} has no KeySchema`);
  return keys;
}

function projection(x: unknown, what: string): Projection {
  // CloudFormation requires Projection on a GSI; a missing one would be refused on deploy too.
  if (!isObject(x)) throw new Error(`${what} has no Projection`);
  const out: Projection = { ProjectionType: str(x.ProjectionType ?? 'ALL', `${what} Projection.ProjectionType`) as Projection['ProjectionType'] };
  const nonKey = list(x.NonKeyAttributes).map((a, i) => str(a, `${what} Projection.NonKeyAttributes[${i}]`));
  return nonKey.length > 0 ? { ...out, NonKeyAttributes: nonKey } : out;
}

function tableInput(logicalId: string, props: Json, tableName: string): CreateTableCommandInput {
  const what = `DynamoDB table ${logicalId}`;
  const attributes: AttributeDefinition[] = list(props.AttributeDefinitions).map((a, i) => {
    if (!isObject(a)) throw new Error(`${what} AttributeDefinitions[${i}] is not an object`);
    return { AttributeName: str(a.AttributeName, `${what} AttributeDefinitions[${i}].AttributeName`), AttributeType: str(a.AttributeType, `${what} AttributeDefinitions[${i}].AttributeType`) as AttributeDefinition['AttributeType'] };
  });
  const input: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: attributes,
    KeySchema: keySchema(props.KeySchema, what),
  };

  const billing = (props.BillingMode ?? 'PROVISIONED') as BillingMode;
  input.BillingMode = billing;
  if (billing === 'PROVISIONED') {
    const t = isObject(props.ProvisionedThroughput) ? props.ProvisionedThroughput : {};
    input.ProvisionedThroughput = { ReadCapacityUnits: Number(t.ReadCapacityUnits ?? 5), WriteCapacityUnits: Number(t.WriteCapacityUnits ?? 5) };
  }

  const indexes: GlobalSecondaryIndex[] = list(props.GlobalSecondaryIndexes).map((g, i) => {
    if (!isObject(g)) throw new Error(`${what} GlobalSecondaryIndexes[${i}] is not an object`);
    const name = str(g.IndexName, `${what} GlobalSecondaryIndexes[${i}].IndexName`);
    const index: GlobalSecondaryIndex = { IndexName: name, KeySchema: keySchema(g.KeySchema, `${what} index ${name}`), Projection: projection(g.Projection, `${what} index ${name}`) };
    if (billing === 'PROVISIONED') {
      const t = isObject(g.ProvisionedThroughput) ? g.ProvisionedThroughput : {};
      index.ProvisionedThroughput = { ReadCapacityUnits: Number(t.ReadCapacityUnits ?? 5), WriteCapacityUnits: Number(t.WriteCapacityUnits ?? 5) };
    }
    return index;
  });
  if (indexes.length > 0) input.GlobalSecondaryIndexes = indexes;

  if (isObject(props.StreamSpecification)) {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: str(props.StreamSpecification.StreamViewType, `${what} StreamSpecification.StreamViewType`) as StreamViewType };
  }
  return input;
}

/**
 * Every `AWS::DynamoDB::Table` of a CloudFormation template as a CreateTable input named
 * `${prefix}-${role}`. Throws, naming the table, when no Lambda's environment says what
 * a table is for, or when two tables claim the same role.
 */
export function tableInputsFromTemplate(template: object, prefix: string): TemplateTable[] {
  const resources = resourcesOf(template);
  const roles = rolesFromFunctions(resources);
  const out: TemplateTable[] = [];
  const byRole = new Map<TableRole, string>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    const role = roles.get(logicalId);
    if (!role) {
      throw new Error(
        `DynamoDB table ${logicalId} in the template has no role: no AWS::Lambda::Function passes { Ref: ${logicalId} } in any of ${Object.keys(ROLE_BY_VARIABLE).join(', ')}`,
      );
    }
    const other = byRole.get(role);
    if (other) throw new Error(`DynamoDB tables ${other} and ${logicalId} both have the role ${role}`);
    byRole.set(role, logicalId);
    const props = isObject(resource.Properties) ? resource.Properties : {};
    const ttl = isObject(props.TimeToLiveSpecification) ? props.TimeToLiveSpecification : undefined;
    const entry: TemplateTable = { logicalId, role, input: tableInput(logicalId, props, `${prefix}-${role}`) };
    out.push(ttl && ttl.Enabled !== false && typeof ttl.AttributeName === 'string' ? { ...entry, ttlAttribute: ttl.AttributeName } : entry);
  }
  return out;
}

/** Creates the template's tables on `client` (DynamoDB Local), with TTL where the template enables it. */
export async function createTablesFromTemplate(client: DynamoDBClient, template: object, prefix: string): Promise<CreatedTables> {
  const tables = tableInputsFromTemplate(template, prefix);
  const missing = ROLES.filter((r) => !tables.some((t) => t.role === r));
  if (missing.length > 0) throw new Error(`the template declares no DynamoDB table for: ${missing.join(', ')}`);
  for (const t of tables) {
    await client.send(new CreateTableCommand(t.input));
    if (t.ttlAttribute) {
      await client.send(new UpdateTimeToLiveCommand({ TableName: t.input.TableName, TimeToLiveSpecification: { Enabled: true, AttributeName: t.ttlAttribute } }));
    }
  }
  return namesOf(tables);
}

/** The store's and the idempotency layer's table names, from the template's tables (every role present). */
export function namesOf(tables: readonly TemplateTable[]): CreatedTables {
  const name = (role: TableRole) => tables.find((t) => t.role === role)!.input.TableName!;
  return { tables: { jobs: name('jobs'), tasks: name('tasks'), nodes: name('nodes'), samples: name('samples'), leases: name('leases'), versions: name('versions') }, idempotency: name('idempotency') };
}

const ROOT = path.join(__dirname, '..');
const CDK_APP = path.join(ROOT, 'infra', 'app.ts');
const CDK_JSON = path.join(ROOT, 'cdk.json');
const SYNTH_TIMEOUT_MS = 240_000;

/** Synthesising the CDK app for its template failed; the app's own output says why. */
export class TemplateSynthesisError extends Error {
  override readonly name = 'TemplateSynthesisError';
  constructor(
    readonly exitCode: number | null,
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(`synthesising the CDK app (${path.relative(ROOT, CDK_APP)}) for its table definitions failed (exit ${exitCode}); run \`npx cdk synth\` to see the error:\n${output.trim().slice(-4000)}`, options);
  }
}

/**
 * The StowageStack's CloudFormation template, synthesised by running the CDK app
 * (infra/app.ts, with cdk.json's context) in a child process, as `cdk synth` would, and
 * reading the template it writes: local/ names the app by path and imports nothing of
 * infra/. Asset bundling is skipped (`aws:cdk:bundling-stacks` empty): the tables and
 * the functions' environments do not depend on the bundled code, and esbuild over every
 * handler and the agent is a third of synthesis time. Needs no AWS credentials: without
 * a vpcId the stack is environment-agnostic.
 */
export function synthesizeTemplate(): Record<string, unknown> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-local-synth-'));
  try {
    const context = { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] };
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) };
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), CDK_APP], { cwd: ROOT, env, encoding: 'utf8', timeout: SYNTH_TIMEOUT_MS });
    if (run.error || run.status !== 0) throw new TemplateSynthesisError(run.status, `${run.stdout ?? ''}${run.stderr ?? ''}`, { cause: run.error });
    const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
    if (templates.length !== 1) throw new TemplateSynthesisError(run.status, `expected one stack template in the output, found ${templates.length}: ${templates.join(', ')}`);
    return JSON.parse(fs.readFileSync(path.join(outdir, templates[0]), 'utf8')) as Record<string, unknown>;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function cdkJsonContext(): Record<string, unknown> {
  const json = JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')) as { context?: unknown };
  return isObject(json.context) ? json.context : {};
}
