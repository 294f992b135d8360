import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readCatalog } from '../../sim/catalog-reader';
import { CatalogFormatError, TraceFormatError } from '../../sim/errors';
import { parseTrace, readTrace } from '../../sim/trace-reader';
import { check, FuzzCrash, NUMBER_STRINGS, UNICODE, type FuzzStats } from './fuzz-support';

/**
 * Hostile trace CSVs and instance catalogs for the sim/ readers: each file either
 * parses into finite, in-range values or is refused with the reader's typed error naming
 * the file (and line/field where there is one) — never another exception, never a hang.
 * Inputs are bounded (a few hundred KiB), so a slow parse is a finding, not a timeout.
 */

const MAX_MS = 2_000;
const FORMULAS = ['=cmd|\' /C calc\'!A0', '+1+1', '-2+3', '@SUM(A1)', '=HYPERLINK("http://evil")', '\t=1', '"=1"'];
const cell = fc.oneof(
  fc.constantFrom('', ' ', '0', '1', '250', '-1', '1.5', '1e3', '+5', '0x10', ' 7 ', '9'.repeat(400), '9007199254740993', '1'.repeat(17), ...NUMBER_STRINGS, ...FORMULAS, ...UNICODE),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.nat({ max: 100_000 }).map(String),
  fc.constantFrom('"a,b"', '"a""b"', '"open', 'a"b', '"x"y', '"multi\nline"', '"\r\n"'),
  fc.nat({ max: 50_000 }).map((n) => 'f'.repeat(n)),
);
const header = fc.oneof(
  fc.constantFrom('name,cpu_milli,memory_mib', 'name,cpu_milli,memory_mib,creation_time,deletion_time', ' Name , CPU_MILLI ,memory_mib', 'name,cpu_milli', 'cpu_milli,memory_mib,name,extra', 'name,name,cpu_milli,memory_mib', '', ',,,', '"name","cpu_milli","memory_mib"'),
  fc.array(fc.oneof(fc.constantFrom('name', 'cpu_milli', 'memory_mib', 'creation_time', 'deletion_time', '__proto__', 'constructor'), fc.string({ maxLength: 6 })), { maxLength: 7 }).map((c) => c.join(',')),
);
const lineBreak = fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\r\r\n');

/** Trace file bytes: a header, rows of hostile cells, odd line ends, an optional BOM; or random bytes. */
export const traceBytes: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.boolean(), header, fc.array(fc.array(cell, { minLength: 0, maxLength: 7 }), { maxLength: 20 }), lineBreak, fc.boolean())
      .map(([bom, h, rows, nl, trailing]) => Buffer.from(`${bom ? '\ufeff' : ''}${[h, ...rows.map((r) => r.join(','))].join(nl)}${trailing ? nl : ''}`, 'utf8')),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0xff, 0xfe, 0x6e, 0x00]), Buffer.from('name,cpu_milli,memory_mib\n"' + 'x'.repeat(200_000)), Buffer.from('name,cpu_milli,memory_mib\n' + 'a,1,1\n'.repeat(20_000))) },
);

/** The checks on one parse: typed error naming the file, or finite in-range tasks. */
export function checkTrace(bytes: Buffer, file: string, viaFile: string | undefined): 'accepted' | 'refused' {
  const t0 = Date.now();
  let tasks;
  try {
    tasks = viaFile ? readTrace(viaFile) : parseTrace(bytes.toString('utf8'), file);
  } catch (err) {
    if (!(err instanceof TraceFormatError)) throw new FuzzCrash(`readTrace threw ${(err as Error)?.name ?? typeof err}: ${String(err)}`);
    const named = viaFile ?? file;
    check(err.file === named && err.message.startsWith(named), `error does not name the file: ${err.message}`);
    if (err.line !== undefined) check(Number.isInteger(err.line) && err.line >= 1, `error names line ${err.line}`);
    check(err.message.length > named.length + 2, 'error without a rule');
    return 'refused';
  } finally {
    check(Date.now() - t0 < MAX_MS, `parse took ${Date.now() - t0} ms`);
  }
  for (const t of tasks) {
    check(t.name.length > 0, `task on line ${t.line} without a name`);
    for (const [k, v] of Object.entries({ cpu: t.resources.cpu, memoryMiB: t.resources.memoryMiB, creationTime: t.creationTime ?? 0, deletionTime: t.deletionTime ?? 0 })) {
      check(Number.isFinite(v) && v >= 0, `accepted ${k} = ${v} on line ${t.line}`);
    }
    check(t.deletionTime === undefined || t.creationTime === undefined || t.deletionTime >= t.creationTime, `line ${t.line} ends before it starts`);
  }
  return 'accepted';
}

export function traceProperty(stats: FuzzStats) {
  return fc.property(traceBytes, (bytes) => {
    stats.tried++;
    stats[checkTrace(bytes, 'fuzz/trace.csv', undefined)]++;
  });
}

const catalogValue = fc.oneof(
  fc.constantFrom(1, 2, 0.5, 0, -1, -0, 1e308, 1e-9, 0.0001, 2 ** 53, 448, 24_576, 1e6),
  fc.double(),
  fc.constantFrom('2', 'NaN', null, true, [], {}),
);
const catalogEntry = fc.oneof(
  fc.record({ name: fc.oneof(fc.constantFrom('m5.large', 'c6g.xlarge', 'M5.LARGE', '__proto__', 'constructor', '=cmd|x', '../../x', ''), fc.string({ maxLength: 10 })), vcpu: catalogValue, memoryGiB: catalogValue, pricePerHour: catalogValue }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 2 }),
);
export const catalogText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(catalogEntry, { maxLength: 6 }).map((a) => JSON.stringify(a)) },
  { weight: 1, arbitrary: fc.constantFrom('', '[]', '{}', 'null', '\ufeff[]', '[{"name":"m5.large","vcpu":2,"memoryGiB":8,"pricePerHour":0.1}', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, '[{"__proto__":{"name":"m5.large"},"name":"a","vcpu":1,"memoryGiB":1,"pricePerHour":1}]') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);

export function catalogProperty(stats: FuzzStats, dir: string) {
  let n = 0;
  return fc.property(catalogText, (text) => {
    const file = path.join(dir, `catalog-${n++ % 8}.json`);
    writeFileSync(file, text);
    stats.tried++;
    const t0 = Date.now();
    try {
      const types = readCatalog(file);
      stats.accepted++;
      for (const t of types) {
        check(/^[a-z0-9][a-z0-9.-]{0,63}$/.test(t.name), `accepted name ${JSON.stringify(t.name)}`);
        for (const v of [t.capacity.cpu, t.capacity.memoryMiB]) check(Number.isSafeInteger(v) && v >= 1, `accepted capacity ${v} for ${t.name}`);
        check(Number.isFinite(t.pricePerHour) && t.pricePerHour > 0, `accepted price ${t.pricePerHour}`);
      }
    } catch (err) {
      if (!(err instanceof CatalogFormatError)) throw new FuzzCrash(`readCatalog threw ${(err as Error)?.name ?? typeof err}: ${String(err)}`);
      stats.refused++;
      check(err.file === file && err.message.startsWith(file), `error does not name the file: ${err.message}`);
    }
    check(Date.now() - t0 < MAX_MS, `catalog read took ${Date.now() - t0} ms`);
  });
}

/** Trace files read from disk (readTrace itself: read errors, BOMs, bytes that are not UTF-8). */
export function traceFileProperty(stats: FuzzStats, dir: string) {
  let n = 0;
  return fc.property(traceBytes, (bytes) => {
    const file = path.join(dir, `trace-${n++ % 8}.csv`);
    writeFileSync(file, bytes);
    stats.tried++;
    stats[checkTrace(bytes, file, file)]++;
  });
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stowage-fuzz-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
