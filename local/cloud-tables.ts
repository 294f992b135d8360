import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoStateStore } from '../lambdas/adapters/dynamo-state-store';
import type { TableNames } from '../lambdas/adapters/table-schema';
import type { Piece } from './lifecycle';
import { createTablesFromTemplate, namesOf, tableInputsFromTemplate } from './tables-from-template';
import { cachedTemplate } from './template-cache';

/**
 * The stack's tables, made from its synthesised template, and the stores over them: the
 * state store every piece shares and the submit route's idempotency records. Nothing to
 * stop: DynamoDB Local's tables go with it, an endpoint's are kept for the next run.
 */
export interface CloudTables {
  readonly tables: TableNames;
  readonly store: DynamoStateStore;
  readonly idempotencyStore: DynamoDBPersistenceLayer;
}

const PREFIX = 'stowage-local';

export async function openTables(client: DynamoDBClient, templateCacheDir: string, say: (line: string) => void): Promise<Piece<CloudTables>> {
  const template = cachedTemplate(templateCacheDir, say);
  const { tables, idempotency } = await tablesFor(client, template);
  say(`tables ready: ${Object.values(tables).join(', ')}, ${idempotency}`);
  return {
    value: {
      tables,
      store: new DynamoStateStore(client, tables),
      idempotencyStore: new DynamoDBPersistenceLayer({ tableName: idempotency, awsSdkV3Client: client }),
    },
  };
}

/**
 * On DynamoDB Local (empty, in memory) the tables are created; on an external endpoint
 * the ones a previous run made are kept (and with them the jobs), and a half-made set is
 * refused rather than guessed at.
 */
async function tablesFor(client: DynamoDBClient, template: Record<string, unknown>): Promise<{ tables: TableNames; idempotency: string }> {
  const wanted = tableInputsFromTemplate(template, PREFIX);
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const n of page.TableNames ?? []) existing.add(n);
    start = page.LastEvaluatedTableName;
  } while (start);
  const present = wanted.filter((t) => existing.has(t.input.TableName!));
  if (present.length === 0) return createTablesFromTemplate(client, template, PREFIX);
  if (present.length < wanted.length) {
    const missing = wanted.filter((t) => !existing.has(t.input.TableName!)).map((t) => t.input.TableName);
    throw new Error(`some of Stowage's local tables exist and some do not (missing: ${missing.join(', ')}); delete the tables named ${PREFIX}-* and start again`);
  }
  return namesOf(wanted);
}
