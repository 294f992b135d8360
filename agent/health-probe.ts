import { request } from 'node:http';
import { connect } from 'node:net';

/**
 * One http or tcp probe, made by the agent from the host against a container's published
 * host port: many images carry no wget or curl for Docker's own HEALTHCHECK to run, and
 * a load balancer reaches the copy the same way. Each resolves to a verdict and never
 * rejects: a refused connection, a reset or a timeout is a failed probe.
 */

export interface ProbeTarget {
  /** The address the host port is bound on (127.0.0.1 when bound on every address). */
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
}

/** Healthy on a 2xx or 3xx answer within the timeout (as ALB's default matcher and Kubernetes' httpGet). */
export function probeHttp(target: ProbeTarget & { readonly path: string }): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    // No keep-alive agent: each probe is its own connection, as a fresh client's would be.
    const req = request({ host: target.host, port: target.port, path: target.path, method: 'GET', agent: false, headers: { 'user-agent': 'stowage-agent-health' } }, (res) => {
      const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400;
      // The verdict is in the status line; the body is drained so the socket closes cleanly.
      res.resume();
      done(ok);
    });
    const timer = setTimeout(() => done(false), target.timeoutMs);
    req.on('error', () => done(false));
    req.end();
  });
}

/** Healthy when a TCP connection is accepted within the timeout. */
export function probeTcp(target: ProbeTarget): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const socket = connect({ host: target.host, port: target.port });
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), target.timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
