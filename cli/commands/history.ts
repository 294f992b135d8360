import type { Command } from 'commander';
import type { VersionListResponse } from '../../contract/deployment-spec';
import { addApiOptions, clientFromOptions } from '../api/client';
import type { ApiOptions } from '../api/endpoint';
import { jobRef } from '../api/job-ref';
import { age, printJson } from '../api/output';
import { formatTable } from '../format-table';

interface HistoryOptions extends ApiOptions {
  readonly json?: boolean;
}

/** `stowage history <job>`: GET /jobs/{id}/versions, newest first, the current one marked. */
export function register(program: Command): void {
  const cmd = program
    .command('history')
    .description("list a job's versions (the last 20 kept): when, by whom, what changed; * marks the one its copies run")
    .argument('<job>', "the job's name (or its id)")
    .option('--json', "print the API's JSON answer instead of a table");
  addApiOptions(cmd).action(async (job: string, options: HistoryOptions) => {
    const client = await clientFromOptions(options);
    const res = await client.call('listVersions', { params: { id: jobRef(job) } });
    if (options.json) printJson(res);
    else process.stdout.write(formatHistory(res, Date.now()));
  });
}

/**
 * One row per version; a version with several changes continues on rows of its own
 * under the changes column, so each change reads whole instead of wrapped into one cell.
 */
export function formatHistory(res: VersionListResponse, now: number): string {
  const head = `${res.name} (${res.jobId}): ${res.versions.length} version${res.versions.length === 1 ? '' : 's'} kept, current v${res.current}\n`;
  if (res.versions.length === 0) return head;
  const rows: string[][] = [];
  for (const v of res.versions) {
    const changes = v.changes.length > 0 ? v.changes : [v.version === 1 ? 'created' : 'no field changed'];
    const mark = v.version === res.current ? '*' : '';
    rows.push([mark, `v${v.version}`, `${utc(v.changedAt)} (${age(now - v.changedAt)} ago)`, v.changedBy, changes[0]]);
    for (const more of changes.slice(1)) rows.push(['', '', '', '', more]);
  }
  const table = formatTable(['', 'version', 'when (UTC)', 'by', 'changes'], rows, ['left', 'left', 'left', 'left', 'left']);
  const current = res.versions.some((v) => v.version === res.current) ? '' : `(v${res.current}, the current version, is older than the versions kept)\n`;
  return head + table + current;
}

function utc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}
