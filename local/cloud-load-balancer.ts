import { createServer } from 'node:net';
import { HaproxyLoadBalancer } from './haproxy-load-balancer';
import type { Piece } from './lifecycle';
import { LocalOptionError } from './local-policy';

/**
 * The local cloud's load balancer: Debian's haproxy on 127.0.0.1, the same LoadBalancer
 * port the ALB adapter fills on AWS, so the scheduler registers serving copies into it
 * exactly as it would into an ALB. Port 0 takes a free port (tests run beside a user's
 * own local cloud).
 */
export async function startLoadBalancer(port: number, deregistrationDelayMs: number, say: (line: string) => void): Promise<Piece<HaproxyLoadBalancer>> {
  const chosen = port === 0 ? await freePort() : port;
  say(`starting haproxy on 127.0.0.1:${chosen} for exposed jobs`);
  try {
    // The scheduler waits the policy's delay after deregistering a copy; haproxy is told the same.
    return await new HaproxyLoadBalancer({ port: chosen, deregistrationDelaySeconds: deregistrationDelayMs / 1000 }).start();
  } catch (err) {
    if (/cannot bind|Address already in use/i.test(String(err))) {
      throw new LocalOptionError(`127.0.0.1:${chosen} is taken, so haproxy cannot serve exposed jobs there; pass another --lb-port (0 picks a free one)`);
    }
    throw err;
  }
}

/** A port the kernel says is free now (bound and released at once; haproxy binds it next). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
