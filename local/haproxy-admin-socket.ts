import * as net from 'node:net';
import type { TargetHealth } from '../control/load-balancer';

/**
 * haproxy's runtime API over its admin socket (HAProxy 2.6 Management Guide, "Unix
 * Socket commands"): one command per connection, the answer read until haproxy closes
 * the connection. Only fixed commands are sent, never anything a user wrote.
 */
export function adminCommand(socketPath: string, command: 'show info' | 'show stat' | 'show servers state', timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    let answer = '';
    const timer = setTimeout(() => socket.destroy(new Error(`haproxy's admin socket ${socketPath} did not answer "${command}" within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(answer);
    });
  });
}

/** The worker's process id from `show info`: it changes when a reload's new worker has taken over. */
export function workerPid(info: string): number | undefined {
  const m = /^Pid: (\d+)$/m.exec(info);
  return m ? Number(m[1]) : undefined;
}

/**
 * Server health by backend and server name, from `show stat` (CSV; the column `status`).
 * `UP 1/2` is a server on its way down and still serving; `DOWN 1/2` one on its way up,
 * not yet serving.
 */
export function serverHealth(stat: string): Map<string, TargetHealth> {
  const lines = stat.split('\n').filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').replace(/^# /, '').split(',');
  const px = header.indexOf('pxname');
  const sv = header.indexOf('svname');
  const st = header.indexOf('status');
  const health = new Map<string, TargetHealth>();
  if (px < 0 || sv < 0 || st < 0) return health;
  for (const line of lines) {
    const cols = line.split(',');
    if (cols[sv] === 'FRONTEND' || cols[sv] === 'BACKEND') continue;
    health.set(`${cols[px]}/${cols[sv]}`, toHealth(cols[st] ?? ''));
  }
  return health;
}

function toHealth(status: string): TargetHealth {
  if (status === 'UP' || status.startsWith('UP ')) return 'healthy';
  if (status === 'DOWN') return 'unhealthy';
  if (status.startsWith('DOWN ')) return 'initial';
  if (status === 'MAINT' || status === 'DRAIN' || status === 'NOLB') return 'draining';
  return 'unknown';
}
