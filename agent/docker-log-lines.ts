/**
 * Docker's log output as lines: the engine's multiplexed stream (a container without a
 * TTY, as every Stowage container is: an 8-byte header per frame, stream type and
 * length; Engine API, "Attach to a container", stream format) with `timestamps` on, so
 * each line starts with its RFC 3339 time in nanoseconds.
 */

export interface TimedLine {
  readonly at: number;
  readonly text: string;
}

const HEADER = 8;

/** The frames' payloads concatenated; a buffer that is not framed (a TTY's output) is returned as text. */
export function demuxDockerLog(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + HEADER <= buf.length) {
    const type = buf[i];
    if (type > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) return buf.toString('utf8');
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + HEADER, i + HEADER + size));
    i += HEADER + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2}) ?(.*)$/;

/** `2026-12-02T07:18:35.123456789Z text` lines as times (ms) and texts; unstamped lines are skipped. */
export function parseTimestamped(text: string): TimedLine[] {
  const out: TimedLine[] = [];
  for (const line of text.split('\n')) {
    const m = STAMPED.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    // Date.parse takes milliseconds; Docker gives nanoseconds.
    const at = Date.parse(`${m[1]}${(m[2] ?? '').slice(0, 4)}${m[3]}`);
    if (Number.isFinite(at)) out.push({ at, text: m[4] });
  }
  return out;
}
