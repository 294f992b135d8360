import type { Command } from 'commander';
import type { ScaleResponse } from '../../contract/deployment-spec';
import { addApiOptions, clientFromOptions } from '../api/client';
import type { ApiOptions } from '../api/endpoint';
import { jobRef } from '../api/job-ref';
import { goalOf, waitForJob } from '../api/job-wait';
import { addWaitOptions, printJson, type WaitFlags } from '../api/output';
import { wholeNumber } from '../option-parsers';
import { Progress } from '../progress';

interface ScaleOptions extends ApiOptions, WaitFlags {
  readonly json?: boolean;
}

/** The API's own limit on a job's count (contract/deployment-spec.ts scaleBodySchema). */
const MAX_COUNT = 1000;

/** `stowage scale <job> <count>`: POST /jobs/{id}/scale; not a new version, so no copy that stays restarts. */
export function register(program: Command): void {
  const cmd = program
    .command('scale')
    .description('set how many replicas a job runs: adds copies, or stops the least useful extra ones; nothing that stays restarts')
    .argument('<job>', "the job's name (or its id)")
    .argument('<count>', `the number of replicas, 0 to ${MAX_COUNT}`, wholeNumber('<count>', MAX_COUNT))
    .option('--json', "print the API's JSON answer instead of a sentence");
  addWaitOptions(cmd, 'every replica is running (service) or finished (batch)');
  addApiOptions(cmd).action(async (job: string, count: number, options: ScaleOptions) => {
    const client = await clientFromOptions(options);
    const res = await client.call('scaleJob', { params: { id: jobRef(job) }, body: { count } });
    if (options.json) printJson(res);
    else process.stdout.write(`${res.name} (${res.jobId}): ${scaleText(res)}\n`);
    if (!options.wait) return;
    const now = await client.call('getJob', { params: { id: res.jobId } });
    await waitForJob(client, res.jobId, goalOf(now.job.kind), { timeoutMs: options.timeout * 1000, progress: new Progress() });
  });
}

export function scaleText(res: ScaleResponse): string {
  const { previousCount: from, count: to } = res;
  if (from === to) return `already ${to} replica${to === 1 ? '' : 's'}; nothing changes`;
  if (to > from) return `${from} → ${to} replicas; ${to - from} new cop${to - from === 1 ? 'y starts' : 'ies start'} at the next scheduling pass`;
  return `${from} → ${to} replicas; ${from - to} extra cop${from - to === 1 ? 'y stops' : 'ies stop'} at the next scheduling pass, the least useful first`;
}
