/**
 * A client of a service behind the load balancer, for the end-to-end tests: one request
 * at a time, back to back (20 ms apart), while something disruptive happens, counting
 * every failed request and the longest time without a successful answer.
 */

export interface LoadResult {
  readonly sent: number;
  readonly failed: number;
  readonly longestGapMs: number;
  /** The first few failures, as the client saw them (status or error). */
  readonly failures: readonly string[];
}

/** One request: the replica's page, or why it failed. */
export async function hit(url: string): Promise<{ ok: boolean; body: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const body = await res.text();
    return { ok: res.status === 200, body: res.status === 200 ? body.trim() : `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, body: String(err) };
  }
}

/** Requests to `url` back to back until `during` settles. */
export async function underLoad(url: string, during: () => Promise<void>): Promise<LoadResult> {
  let done = false;
  let sent = 0;
  let failed = 0;
  let lastOk = Date.now();
  let longestGapMs = 0;
  const failures: string[] = [];
  const client = (async () => {
    while (!done) {
      const r = await hit(url);
      sent++;
      const now = Date.now();
      if (r.ok) {
        longestGapMs = Math.max(longestGapMs, now - lastOk);
        lastOk = now;
      } else {
        failed++;
        if (failures.length < 5) failures.push(r.body);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    await during();
  } finally {
    done = true;
    await client;
  }
  return { sent, failed, longestGapMs, failures };
}

/** The bodies of 30 requests: which replicas answer. */
export async function answeringReplicas(url: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 30; i++) {
    const r = await hit(url);
    if (r.ok) seen.add(r.body);
  }
  return seen;
}

export function describeLoad(what: string, r: LoadResult): string {
  return `${what}: ${r.sent} requests, ${r.failed} failed, longest gap ${r.longestGapMs} ms${r.failures.length ? `; e.g. ${r.failures.join(' | ')}` : ''}`;
}
