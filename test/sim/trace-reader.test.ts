import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTrace, readTrace, TraceFormatError } from '../../sim/trace-reader';

const OPENB = path.resolve(__dirname, '../../data/openb/openb_pod_list_default.csv');

/** Parses and returns the TraceFormatError it must throw. */
function failure(text: string, file = 'trace.csv'): TraceFormatError {
  try {
    parseTrace(text, file);
  } catch (err) {
    if (err instanceof TraceFormatError) return err;
    throw err;
  }
  throw new Error('expected a TraceFormatError');
}

/** The message names file, line and field, and the error carries them as fields too. */
function expectError(err: TraceFormatError, line: number, field: string | undefined, rule: string | RegExp): void {
  expect(err.name).toBe('TraceFormatError');
  expect(err.file).toBe('trace.csv');
  expect(err.line).toBe(line);
  expect(err.field).toBe(field);
  expect(err.message).toContain(`trace.csv line ${line}`);
  if (field !== undefined) expect(err.message).toContain(`field ${field}`);
  expect(err.message).toMatch(rule);
}

const HEADER = 'name,cpu_milli,memory_mib,creation_time,deletion_time';

describe('parseTrace', () => {
  describe('reads', () => {
    it('the OpenB header, finding columns by name whatever their order and ignoring extras', () => {
      const text = 'qos,deletion_time,memory_mib,num_gpu,name,creation_time,cpu_milli\nLS,20,2048,1,pod-a,10,500\nBE,,1024,0,pod-b,15,250\n';
      expect(parseTrace(text, 'trace.csv')).toEqual([
        { name: 'pod-a', resources: { cpu: 500, memoryMiB: 2048 }, creationTime: 10, deletionTime: 20, line: 2 },
        // Empty deletion_time: never deleted.
        { name: 'pod-b', resources: { cpu: 250, memoryMiB: 1024 }, creationTime: 15, line: 3 },
      ]);
    });

    it('the plain format with only the required columns', () => {
      expect(parseTrace('name,cpu_milli,memory_mib\nweb,1000,512\n', 'trace.csv')).toEqual([
        { name: 'web', resources: { cpu: 1000, memoryMiB: 512 }, line: 2 },
      ]);
    });

    it('CRLF endings, a UTF-8 BOM, blank trailing lines and quoted fields', () => {
      const text = `\uFEFF${HEADER}\r\n"batch, nightly",4000,16384,120,\r\n"say ""hi""",1,2,0,0\r\n"two\r\nlines",3,4,,\r\nlast,5,6,1.5,2\r\n\r\n\r\n`;
      expect(parseTrace(text, 'trace.csv')).toEqual([
        { name: 'batch, nightly', resources: { cpu: 4000, memoryMiB: 16384 }, creationTime: 120, line: 2 },
        { name: 'say "hi"', resources: { cpu: 1, memoryMiB: 2 }, creationTime: 0, deletionTime: 0, line: 3 },
        { name: 'two\r\nlines', resources: { cpu: 3, memoryMiB: 4 }, line: 4 },
        // The quoted line break above moves this record to line 6.
        { name: 'last', resources: { cpu: 5, memoryMiB: 6 }, creationTime: 1.5, deletionTime: 2, line: 6 },
      ]);
    });

    it('header names ignoring case and surrounding spaces', () => {
      expect(parseTrace(' Name , CPU_MILLI,memory_mib\na,1,2', 'trace.csv')).toHaveLength(1);
    });

    it('zero requests, alone or together', () => {
      expect(parseTrace('name,cpu_milli,memory_mib\nidle,0,0\ncpu-only,100,0\n', 'trace.csv').map((t) => t.resources)).toEqual([
        { cpu: 0, memoryMiB: 0 },
        { cpu: 100, memoryMiB: 0 },
      ]);
    });

    it('a header with no rows as an empty trace', () => {
      expect(parseTrace(`${HEADER}\n`, 'trace.csv')).toEqual([]);
    });
  });

  describe('refuses', () => {
    it('an empty file', () => {
      expectError(failure(''), 1, undefined, /file is empty/);
      expectError(failure('\uFEFF\r\n\n'), 1, undefined, /file is empty/);
    });

    it('a header lacking required columns, listing which', () => {
      expectError(failure('name,cpu_milli,creation_time\na,1,2'), 1, undefined, /lacks required column\(s\) memory_mib;/);
    });

    it('a file without a header, saying a header is required', () => {
      const err = failure('pod-a,1000,2048\n');
      expectError(err, 1, undefined, /lacks required column\(s\) name, cpu_milli, memory_mib/);
      expect(err.message).toContain('files without a header are not accepted');
    });

    it('duplicate header names, even of ignored columns', () => {
      expectError(failure('name,cpu_milli,memory_mib,cpu_milli\n'), 1, 'cpu_milli', /appears twice \(columns 2 and 4\)/);
      expectError(failure('name,qos,cpu_milli,memory_mib,QOS\n'), 1, 'qos', /appears twice/);
    });

    it('a row with too few columns, naming the first missing one', () => {
      expectError(failure(`${HEADER}\na,1,2,0,5\nb,1,2\n`), 3, 'creation_time', /has 3 field\(s\) but the header has 5/);
    });

    it('a row with too many columns (an unquoted comma)', () => {
      expectError(failure('name,cpu_milli,memory_mib\nweb, v2,1,2\n'), 2, undefined, /has 4 fields but the header has 3; quote/);
    });

    it.each([
      ['cpu_milli', '-5', 'x,-5,10'],
      ['cpu_milli', 'abc', 'x,abc,10'],
      ['cpu_milli', '1.5', 'x,1.5,10'],
      ['cpu_milli', '1e3', 'x,1e3,10'],
      ['cpu_milli', '', 'x,,10'],
      ['memory_mib', '-1', 'x,10,-1'],
      ['memory_mib', '2.0', 'x,10,2.0'],
      ['memory_mib', '99999999999999999999', 'x,10,99999999999999999999'],
    ])('%s %j', (field, value, row) => {
      const err = failure(`name,cpu_milli,memory_mib\n${row}\n`);
      expectError(err, 2, field, `"${value}" is not a non-negative integer`);
    });

    it('the example message of the format page, exactly', () => {
      const rows = ['a,1,1', 'b,1,1', 'c,1,1', 'd,1,1', 'e,1,1', 'f,-5,1'];
      expect(failure(['name,cpu_milli,memory_mib', ...rows].join('\n')).message).toBe(
        'trace.csv line 7, field cpu_milli: "-5" is not a non-negative integer',
      );
    });

    it('an empty name', () => {
      expectError(failure('name,cpu_milli,memory_mib\n  ,1,1\n'), 2, 'name', /is empty/);
    });

    it('malformed or negative times', () => {
      expectError(failure(`${HEADER}\na,1,1,soon,\n`), 2, 'creation_time', /"soon" is not a non-negative number of seconds/);
      expectError(failure(`${HEADER}\na,1,1,0,-3\n`), 2, 'deletion_time', /"-3" is not a non-negative number of seconds/);
    });

    it('deletion_time before creation_time', () => {
      expectError(failure(`${HEADER}\na,1,1,100,99\n`), 2, 'deletion_time', /"99" is before creation_time "100"/);
    });

    it('an unterminated quote, at the line where the record starts', () => {
      expectError(failure('name,cpu_milli,memory_mib\na,1,1\n"b,1,1\nc,1,1\n'), 3, 'name', /never closed/);
    });

    it('text after a closing quote', () => {
      expectError(failure('name,cpu_milli,memory_mib\n"a"b,1,1\n'), 2, 'name', /after a closing quote/);
    });

    it('reports the first bad line when several are bad', () => {
      expect(failure('name,cpu_milli,memory_mib\na,1,1\nb,x,1\nc,1\n').line).toBe(3);
    });
  });
});

describe('readTrace', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-trace-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('labels errors with the path it was given', () => {
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, 'name,cpu_milli,memory_mib\na,1,-1\n');
    expect(() => readTrace(file)).toThrow(`${file} line 2, field memory_mib: "-1" is not a non-negative integer`);
  });

  it('says clearly when the file does not exist', () => {
    const file = path.join(dir, 'missing.csv');
    expect(() => readTrace(file)).toThrow(TraceFormatError);
    expect(() => readTrace(file)).toThrow(`${file}: no such file`);
  });

  it('says clearly when the path is a directory', () => {
    expect(() => readTrace(dir)).toThrow(`${dir}: is a directory`);
  });

  it('reads the whole OpenB pod list', () => {
    // The data set ships in the repo (data/openb, with its SOURCE.md).
    if (!fs.existsSync(OPENB)) throw new Error(`OpenB pod list not found at ${OPENB}; see data/openb/SOURCE.md`);
    // How fast is a figure for a benchmark, not an assertion: a timed test flakes on a loaded machine.
    const tasks = readTrace(OPENB);
    expect(tasks).toHaveLength(8152);
    expect(tasks[0]).toEqual({ name: 'openb-pod-0000', resources: { cpu: 12000, memoryMiB: 16384 }, creationTime: 0, deletionTime: 12537496, line: 2 });
    expect(tasks[8151].line).toBe(8153);
  });
});
