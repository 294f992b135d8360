import { InvalidArgumentError, type Command } from 'commander';
import Docker from 'dockerode';
import { LocalCredentialsError, localDir, localUserArn, readCredentials, userToken } from '../../local/credentials';
import { StartFailedError, StartInterruptedError } from '../../local/lifecycle';
import { renderView } from '../../local/live-view';
import { LOCAL_DEFAULTS, startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import { takeDown } from '../../local/local-down';
import { LocalInterruptionError, requestInterrupt } from '../../local/local-interruptions';
import { wholeNumber } from '../option-parsers';

interface UpOptions {
  nodes: number;
  instanceTypes: string;
  maxNodes: number;
  minNodes?: number;
  port: number;
  lbPort: number;
  endpoint?: string;
  region?: string;
  dir?: string;
  view: boolean;
  agentInterval: number;
}

const seconds = (option: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.2 || n > 60) throw new InvalidArgumentError(`${option} must be a number of seconds from 0.2 to 60`);
  return n;
};

const endpointUrl = (value: string) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`--endpoint must be a URL such as http://localhost:4566, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('--endpoint must be an http(s) URL');
  return value;
};

/** `stowage local up` (what `npm run local` runs) and `stowage local down`. */
export function register(program: Command): void {
  const local = program.command('local').description('all of Stowage on this machine: DynamoDB Local, the API, the scheduler and agent processes running real containers');
  local
    .command('up', { isDefault: true })
    .description('start the local cloud in the foreground with a live view; Ctrl-C stops every agent and removes every container it started')
    .option('--nodes <n>', 'nodes to start with', wholeNumber('--nodes', 50), LOCAL_DEFAULTS.nodes)
    .option('--instance-types <list>', 'comma-separated types the scheduler may launch; the first sizes the starting nodes', LOCAL_DEFAULTS.instanceTypes.join(','))
    .option('--max-nodes <n>', 'most nodes the scheduler may run', wholeNumber('--max-nodes', 50), LOCAL_DEFAULTS.maxNodes)
    .option('--min-nodes <n>', 'consolidation never goes below this (default: --nodes, so an idle fleet stays as started)', wholeNumber('--min-nodes', 50))
    .option('--port <port>', 'the API port on 127.0.0.1 (0: any free port)', wholeNumber('--port', 65535), LOCAL_DEFAULTS.port)
    .option('--lb-port <port>', 'where haproxy serves exposed jobs on 127.0.0.1 (0: any free port)', wholeNumber('--lb-port', 65535), LOCAL_DEFAULTS.lbPort)
    .option('--endpoint <url>', 'use this DynamoDB (e.g. LocalStack at http://localhost:4566) instead of starting DynamoDB Local (default: env AWS_ENDPOINT_URL)', endpointUrl)
    .option('--region <region>', 'region for --endpoint (default: env AWS_REGION or us-east-1)')
    .option('--dir <path>', 'state directory: credential, logs, agent configs (default: env STOWAGE_LOCAL_DIR or ~/.stowage/local)')
    .option('--no-view', 'print events as lines instead of the live view')
    .option('--agent-interval <s>', 'seconds between an agent\'s heartbeats', seconds('--agent-interval'), LOCAL_DEFAULTS.agentIntervalSeconds)
    .action(async (o: UpOptions) => up(o));
  local
    .command('down')
    .description("stop the local cloud running from the state directory (as Ctrl-C in its terminal would) and wait for it; for a run that died (kill -9, a closed terminal), remove what it left: agents, DynamoDB Local, haproxy, containers, credential, run record")
    .option('--dir <path>', 'state directory (default: env STOWAGE_LOCAL_DIR or ~/.stowage/local)')
    .action(async (o: { dir?: string }) => down(o.dir ?? localDir()));
  local
    .command('interrupt <node>')
    .description(
      'play EC2 taking a Spot node back: the local cloud sends the EC2 Spot Instance Interruption Warning for the node through the same handler as in AWS (the node drains), and stops the node two minutes later as EC2 would; with --rebalance, an EC2 Instance Rebalance Recommendation instead (the node drains, nothing is stopped)',
    )
    .option('--rebalance', 'send a rebalance recommendation rather than an interruption warning')
    .option('--dir <path>', 'state directory of the running local cloud (default: env STOWAGE_LOCAL_DIR or ~/.stowage/local)')
    .action(async (node: string, o: { rebalance?: boolean; dir?: string }) => interrupt(node, o.rebalance === true, o.dir ?? localDir()));
  local
    .command('token')
    .description(
      "print a bearer token for a local user (arn:aws:iam::000000000000:user/NAME), who sees and changes only the jobs it creates; use it with STOWAGE_TOKEN=<token> npx stowage ... (without it, the CLI speaks as the local admin, who sees every job). Valid until the local cloud restarts",
    )
    .requiredOption('--user <name>', 'the local user: 1..64 of letters, digits, _ and -')
    .option('--dir <path>', 'state directory (default: env STOWAGE_LOCAL_DIR or ~/.stowage/local)')
    .action((o: { user: string; dir?: string }) => {
      // The admin token in the credential file (readable by its owner only) signs the user's.
      const creds = readCredentials(o.dir ?? localDir());
      const token = userToken(creds.token, o.user);
      process.stdout.write(`${token}\n`);
      process.stderr.write(`stowage local: token for ${localUserArn(o.user)}; use it as STOWAGE_TOKEN=<token>\n`);
    });
}

/**
 * A writer for stdout or stderr that never throws and never raises: once the reader has
 * gone (a closed pipe, EPIPE) lines are dropped, so Ctrl-C's clean-up still runs to the
 * end instead of dying on an unhandled 'error' event.
 */
function terminal(stream: NodeJS.WriteStream): (text: string) => void {
  let open = true;
  stream.on('error', () => (open = false));
  return (text) => {
    if (!open) return;
    try {
      stream.write(text);
    } catch {
      open = false;
    }
  };
}

async function up(o: UpOptions): Promise<void> {
  const dir = o.dir ?? localDir();
  const endpoint = o.endpoint ?? (process.env.AWS_ENDPOINT_URL ? endpointUrl(process.env.AWS_ENDPOINT_URL) : undefined);
  const live = o.view && process.stdout.isTTY === true;
  const out = terminal(process.stdout);
  const err = terminal(process.stderr);
  const say = (line: string) => out(`stowage local: ${line}\n`);

  // Signals are taken before start: Ctrl-C while DynamoDB Local or the template is still
  // coming up stops what has started, as it does once the cloud is up.
  const stopRequested = new AbortController();
  const stop = (signal: string) => {
    if (stopRequested.signal.aborted) {
      out(`stowage local: ${signal} again; exiting without cleaning up (\`npx stowage local down\` or the next \`npm run local\` will)\n`);
      process.exit(130);
    }
    out(`\nstowage local: ${signal}: stopping agents and removing their containers (Ctrl-C again to force)\n`);
    stopRequested.abort();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A closed terminal: its default would end the process with no teardown at all.
  process.on('SIGHUP', () => stop('SIGHUP'));

  let cloud: LocalCloud;
  try {
    cloud = await startLocalCloud({
      dir,
      nodes: o.nodes,
      instanceTypes: o.instanceTypes.split(',').map((s) => s.trim()).filter(Boolean),
      maxNodes: o.maxNodes,
      minNodes: o.minNodes ?? Math.min(o.nodes, o.maxNodes),
      port: o.port,
      lbPort: o.lbPort,
      ...(endpoint ? { endpoint } : {}),
      ...(o.region ? { region: o.region } : {}),
      agentIntervalSeconds: o.agentInterval,
      batchWindowMs: LOCAL_DEFAULTS.batchWindowMs,
      tickMs: LOCAL_DEFAULTS.tickMs,
      // Where the synthesised template is cached; by default the state directory.
      ...(process.env.STOWAGE_TEMPLATE_CACHE_DIR ? { templateCacheDir: process.env.STOWAGE_TEMPLATE_CACHE_DIR } : {}),
      say,
      signal: stopRequested.signal,
    });
  } catch (e) {
    if (e instanceof StartInterruptedError) {
      say('stopped before it had finished starting; nothing it started is left running');
      return;
    }
    if (e instanceof StartFailedError) {
      // Start failed and so did part of the clean-up: say both, and that the next start finishes it.
      err(`stowage local: ${e.message}; \`npx stowage local down\` removes what is left\n`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
  say(`API ${cloud.apiUrl} (token in ${cloud.credentialsFile}); log ${cloud.logFile}`);
  say('submit a job from another terminal: npx stowage submit -f examples/web-service.json --wait');

  const timer = setInterval(() => void draw(cloud, live, out, say, () => stopRequested.signal.aborted), 1000);
  if (!stopRequested.signal.aborted) await new Promise<void>((resolve) => stopRequested.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(timer);
  try {
    // The signal has set the same stop going; this waits for it and reads its counts.
    const r = await cloud.stop();
    say(`stopped ${r.agents} agents, removed ${r.containers} leftover containers; DynamoDB Local stopped`);
  } catch (e) {
    err(`stowage local: clean-up failed: ${e instanceof Error ? e.message : String(e)}; \`npx stowage local down\` removes what is left\n`);
    process.exitCode = 1;
  }
}

/** Events up to this one have been printed (the list keeps only the last 50, so not an index). */
let printedUpTo: unknown;
let lastSummary = '';

async function draw(cloud: LocalCloud, live: boolean, out: (text: string) => void, say: (line: string) => void, stopping: () => boolean): Promise<void> {
  if (stopping()) return;
  let snapshot;
  try {
    snapshot = await cloud.store.snapshot();
  } catch {
    return; // The next tick tries again; a failure here must not stop the cloud.
  }
  if (stopping()) return;
  if (live) {
    const lines = renderView({
      apiUrl: cloud.apiUrl,
      loadBalancerUrl: cloud.loadBalancerUrl,
      credentialsFile: cloud.credentialsFile,
      logFile: cloud.logFile,
      snapshot,
      events: cloud.events,
      passes: cloud.passes,
      now: Date.now(),
      width: process.stdout.columns || 120,
    });
    // Home, draw, clear the rest: no flicker from clearing the whole screen first.
    out(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\n\x1b[J`);
    return;
  }
  const events = cloud.events;
  const from = events.indexOf(printedUpTo as (typeof events)[number]) + 1;
  for (const e of events.slice(from)) say(e.text);
  if (events.length > 0) printedUpTo = events[events.length - 1];
  const running = snapshot.tasks.filter((t) => t.status === 'RUNNING').length;
  const waiting = snapshot.tasks.filter((t) => t.status === 'PENDING' || t.status === 'UNSCHEDULABLE').length;
  const nodes = snapshot.nodes.filter((n) => n.state === 'ACTIVE' || n.state === 'LAUNCHING' || n.state === 'DRAINING').length;
  const summary = `${nodes} nodes, ${running} tasks running, ${waiting} waiting`;
  if (summary !== lastSummary) say(summary);
  lastSummary = summary;
}

async function interrupt(nodeId: string, rebalance: boolean, dir: string): Promise<void> {
  const out = terminal(process.stdout);
  const err = terminal(process.stderr);
  try {
    // A quick no when no local cloud runs from here, rather than waiting for an answer that cannot come.
    readCredentials(dir);
    const answer = await requestInterrupt(dir, { nodeId, notice: rebalance ? 'rebalance' : 'interruption' });
    if (answer.ok) out(`stowage local: ${answer.message}\n`);
    else {
      err(`stowage local: ${answer.message}\n`);
      process.exitCode = 1;
    }
  } catch (e) {
    if (!(e instanceof LocalInterruptionError) && !(e instanceof LocalCredentialsError)) throw e;
    err(`stowage local: ${e.message}\n`);
    process.exitCode = 1;
  }
}

async function down(dir: string): Promise<void> {
  const out = terminal(process.stdout);
  // Docker is asked only when a dead run left containers to look for; no engine is started for it.
  await takeDown({ dir, docker: () => new Docker(), say: (line) => out(`stowage local: ${line}\n`) });
}
