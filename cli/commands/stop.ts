import type { Command } from 'commander';
import { addApiOptions, clientFromOptions } from '../api/client';
import type { ApiOptions } from '../api/endpoint';
import { jobRef } from '../api/job-ref';
import { waitForJob } from '../api/job-wait';
import { addWaitOptions, printJson, type WaitFlags } from '../api/output';
import { Progress } from '../progress';

interface StopOptions extends ApiOptions, WaitFlags {
  readonly json?: boolean;
}

/** `stowage stop <job>`: DELETE /jobs/{id} by name or id; the scheduler stops every copy at its next pass. */
export function register(program: Command): void {
  const cmd = program
    .command('stop')
    .description('stop a job: every replica is stopped and none is placed again')
    .argument('<job>', "the job's name (or its id)")
    .option('--json', "print the API's JSON answer instead of a sentence");
  addWaitOptions(cmd, 'every task of the job has stopped');
  addApiOptions(cmd).action(async (job: string, options: StopOptions) => {
    const client = await clientFromOptions(options);
    const res = await client.call('stopJob', { params: { id: jobRef(job) } });
    if (options.json) printJson(res);
    else process.stdout.write(`${job === res.jobId ? res.jobId : `${job} (${res.jobId})`}: stop requested; its tasks stop at the next scheduling pass\n`);
    if (options.wait) await waitForJob(client, res.jobId, 'stopped', { timeoutMs: options.timeout * 1000, progress: new Progress() });
  });
}
