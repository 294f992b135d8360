import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fuzzSettings } from './fuzz';
import { catalogProperty, tempDir, traceFileProperty, traceProperty } from './fuzz-readers';
import { newStats } from './fuzz-support';
import { readCatalog } from '../../sim/catalog-reader';
import { CatalogFormatError, TraceFormatError } from '../../sim/errors';
import { parseTrace } from '../../sim/trace-reader';

/** Hostile trace CSVs and catalogs for the sim/ readers (properties in test/chaos/fuzz-readers.ts). */
const settings = fuzzSettings(process.env, 100);
const tmp = tempDir();
afterAll(() => tmp.remove());

describe(`sim readers under hostile files (seed ${settings.seed})`, () => {
  it('trace text: parses into finite values or throws TraceFormatError naming the file', () => {
    const stats = newStats();
    fc.assert(traceProperty(stats), settings);
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats.accepted).toBeGreaterThan(0);
  });
  it('trace files on disk: the same, through readTrace', () => {
    fc.assert(traceFileProperty(newStats(), tmp.dir), settings);
  });
  it('catalog files: parse into positive whole capacities or throw CatalogFormatError naming the file', () => {
    const stats = newStats();
    fc.assert(catalogProperty(stats, tmp.dir), settings);
    expect(stats.refused).toBeGreaterThan(0);
  });
});

describe('reader regressions', () => {
  // A 400-digit time is well-formed decimal but Number() reads it as Infinity.
  it('refuses a creation_time that reads as Infinity, naming line and field', () => {
    const text = `name,cpu_milli,memory_mib,creation_time,deletion_time\na,1,1,${'9'.repeat(400)},\n`;
    expect(() => parseTrace(text, 't.csv')).toThrow(TraceFormatError);
    expect(() => parseTrace(text, 't.csv')).toThrow(/^t\.csv line 2, field creation_time: /);
  });
  it('refuses a deletion_time past the largest time', () => {
    expect(() => parseTrace(`name,cpu_milli,memory_mib,deletion_time\na,1,1,1e400\nb,1,1,${'1'.repeat(30)}\n`, 't.csv')).toThrow(/line 2, field deletion_time/);
  });
  const catalog = (entry: Record<string, unknown>) => {
    const file = path.join(tmp.dir, 'regression.json');
    writeFileSync(file, JSON.stringify([{ name: 'm5.large', vcpu: 2, memoryGiB: 8, pricePerHour: 0.1, ...entry }]));
    return () => readCatalog(file);
  };
  // 1e308 vCPUs became an Infinity capacity; 0.0001 vCPU rounded to a 0-millicore instance.
  it.each([
    [{ vcpu: 1e308 }, 'vcpu'],
    [{ memoryGiB: 1e308 }, 'memoryGiB'],
    [{ vcpu: 0.0001 }, 'vcpu'],
    [{ memoryGiB: 1e-6 }, 'memoryGiB'],
    [{ pricePerHour: 1e300 }, 'pricePerHour'],
  ])('refuses catalog entry %j naming [0].%s', (entry, field) => {
    expect(catalog(entry)).toThrow(CatalogFormatError);
    expect(catalog(entry)).toThrow(`field [0].${field}`);
  });
});
