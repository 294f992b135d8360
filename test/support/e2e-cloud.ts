import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../../local/local-cloud';

/**
 * What the service end-to-end tests share: a local cloud with short clocks (agents every
 * second, passes a quarter second after a change), its own directory, the template cache
 * every e2e run reuses, and the API called as a user would, with the user's token. Its
 * log is kept in the temp folder after the run (`stowage-e2e-<name>.log`) for a failure.
 */

export const TEMPLATE_CACHE = path.join(os.tmpdir(), 'stowage-e2e-template-cache');

export const WEB_EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/web-service.json'), 'utf8')) as Record<string, unknown> & { env: Record<string, string> };

export interface E2eCloud {
  readonly cloud: LocalCloud;
  api(method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export async function startE2eCloud(name: string, options: Pick<LocalCloudOptions, 'nodes' | 'instanceTypes' | 'maxNodes' | 'minNodes' | 'interruptionWarningMs'>): Promise<E2eCloud> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `stowage-e2e-${name}-`));
  const cloud = await startLocalCloud({ dir, templateCacheDir: TEMPLATE_CACHE, port: 0, lbPort: 0, agentIntervalSeconds: 1, batchWindowMs: 250, tickMs: 2_000, ...options });
  return {
    cloud,
    async api(method, route, body) {
      const res = await fetch(`${cloud.apiUrl}${route}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.token}` },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async stop() {
      await cloud.stop();
      fs.copyFileSync(path.join(dir, 'logs', 'local.log'), path.join(os.tmpdir(), `stowage-e2e-${name}.log`));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
