import { compareRules, exposedUrl, type LoadBalancedService, type LoadBalancerTarget } from '../control/load-balancer';

/**
 * haproxy's configuration for the local load balancer, rendered whole from the services
 * and their targets (HAProxy 2.6 Configuration Manual). Pure: the adapter writes it,
 * checks it with `haproxy -c` and reloads.
 *
 * Every value placed here was checked by the port (control/load-balancer.ts: job ids,
 * paths, hosts, task ids, addresses and ports use only characters that need no quoting
 * in haproxy's configuration language), so nothing a user wrote can add a directive.
 * Regular expressions use character classes (`[.]`) instead of backslashes, which the
 * configuration tokenizer would itself interpret.
 */
export interface HaproxyConfigInput {
  readonly bind: { readonly address: string; readonly port: number };
  readonly adminSocket: string;
  /** Where the adapter saves server health before a reload, so the new workers start from it. */
  readonly stateFile: string;
  readonly services: readonly { readonly service: LoadBalancedService; readonly targets: readonly LoadBalancerTarget[] }[];
  /** Health checks: an interval, and how many results flip a server down or up. */
  readonly check: { readonly intervalMs: number; readonly fall: number; readonly rise: number };
  /** How long an old worker may keep finishing its requests after a reload. */
  readonly hardStopAfterSeconds: number;
}

export const NOT_FOUND_BACKEND = 'stowage_no_service';

export function backendName(jobId: string): string {
  return `job_${jobId}`;
}

export function renderHaproxyConfig(input: HaproxyConfigInput): string {
  const lines: string[] = [
    '# Written by Stowage\'s local load balancer on every change; edits are overwritten.',
    'global',
    // The admin socket serves the runtime API (health for targets(), server state before a
    // reload); `expose-fd listeners` lets a reload hand the listening socket over instead
    // of closing and reopening it, so no connection attempt meets a closed port.
    `  stats socket ${input.adminSocket} mode 600 level admin expose-fd listeners`,
    `  server-state-file ${input.stateFile}`,
    `  hard-stop-after ${input.hardStopAfterSeconds}s`,
    '',
    'defaults',
    '  mode http',
    '  option httplog',
    '  option idle-close-on-response',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    '  load-server-state-from-file global',
    // A target that refuses a connection (its container just died, before health checks
    // noticed) costs the client nothing: the request goes to another server.
    '  retries 3',
    '  option redispatch 1',
    // A target killed mid-request (its container died, docker-proxy closed the socket)
    // answers nothing: a GET, HEAD or OPTIONS is safe to send again to another target;
    // anything else is not retried at layer 7 (see the frontend), since it may already
    // have had its effect.
    '  retry-on conn-failure empty-response response-timeout',
    `  default-server inter ${input.check.intervalMs} fall ${input.check.fall} rise ${input.check.rise}`,
    '',
    'frontend stowage',
    `  bind ${input.bind.address}:${input.bind.port}`,
    '  http-request disable-l7-retry if ! { method GET HEAD OPTIONS }',
  ];
  // Most specific first (compareRules): haproxy takes the first use_backend that matches.
  const ordered = [...input.services].sort((a, b) => compareRules(a.service.rule, b.service.rule) || a.service.jobId.localeCompare(b.service.jobId));
  ordered.forEach(({ service }, i) => {
    const conditions: string[] = [];
    if (service.rule.host !== undefined) {
      lines.push(`  acl r${i}_host req.hdr(host),field(1,:),lower ${hostMatch(service.rule.host.toLowerCase())}`);
      conditions.push(`r${i}_host`);
    }
    if (service.rule.path !== undefined) {
      lines.push(`  acl r${i}_path ${pathMatch(service.rule.path)}`);
      conditions.push(`r${i}_path`);
    }
    lines.push(`  use_backend ${backendName(service.jobId)} if ${conditions.join(' ')}`);
  });
  lines.push(`  default_backend ${NOT_FOUND_BACKEND}`, '');

  lines.push(`backend ${NOT_FOUND_BACKEND}`, '  http-request return status 404 content-type text/plain string "no service matches this path or host"', '');

  for (const { service, targets } of [...input.services].sort((a, b) => a.service.jobId.localeCompare(b.service.jobId))) {
    lines.push(`backend ${backendName(service.jobId)}`, '  balance roundrobin');
    if (service.healthPath !== undefined) {
      lines.push(`  option httpchk GET ${service.healthPath}`, '  http-check expect status 200-399');
    }
    // Without a health path the check is a TCP connect: the port is open.
    for (const t of [...targets].sort((a, b) => a.taskId.localeCompare(b.taskId))) {
      lines.push(`  server ${t.taskId} ${t.address}:${t.port} check`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** The URL a rule's service has behind this load balancer. */
export function localUrl(bind: { address: string; port: number }, service: LoadBalancedService): string {
  return exposedUrl(`http://${bind.address}:${bind.port}`, service.rule);
}

/** `/web/*` → a prefix match on `/web/`; no wildcard → the exact path; wildcards elsewhere → an anchored regex. */
function pathMatch(path: string): string {
  const body = path.slice(0, -1);
  if (path.endsWith('*') && !/[*?]/.test(body)) return `path_beg ${body}`;
  if (!/[*?]/.test(path)) return `path ${path}`;
  return `path_reg ^${globToRegex(path)}$`;
}

function hostMatch(host: string): string {
  return /[*?]/.test(host) ? `-m reg ^${globToRegex(host)}$` : `-m str ${host}`;
}

/** `*` any run, `?` one character; every other character literal (in a class when regex gives it meaning). */
function globToRegex(glob: string): string {
  return [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : /[.$+]/.test(c) ? `[${c}]` : c)).join('');
}
