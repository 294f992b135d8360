import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCatalog } from '../../sim/catalog-reader';
import { CatalogFormatError } from '../../sim/errors';

describe('readCatalog', () => {
  let dir: string;
  const write = (text: string): string => {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, text);
    return file;
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-catalog-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads vCPUs and GiB into millicores and MiB', () => {
    const file = write(JSON.stringify([{ name: 'm5.large', vcpu: 2, memoryGiB: 8, pricePerHour: 0.096 }]));
    expect(readCatalog(file)).toEqual([{ name: 'm5.large', capacity: { cpu: 2000, memoryMiB: 8192 }, pricePerHour: 0.096 }]);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['an empty array', '[]', /non-empty JSON array/],
    ['an entry that is not an object', '[1]', /field \[0\]: must be an object/],
    ['a bad name', JSON.stringify([{ name: 'M5 LARGE', vcpu: 2, memoryGiB: 8, pricePerHour: 1 }]), /field \[0\]\.name/],
    ['a duplicate', JSON.stringify([{ name: 'a', vcpu: 2, memoryGiB: 8, pricePerHour: 1 }, { name: 'a', vcpu: 2, memoryGiB: 8, pricePerHour: 1 }]), /field \[1\]\.name: "a" appears twice/],
    ['a zero price', JSON.stringify([{ name: 'a', vcpu: 2, memoryGiB: 8, pricePerHour: 0 }]), /field \[0\]\.pricePerHour: must be a positive number/],
    ['a string vcpu', JSON.stringify([{ name: 'a', vcpu: '2', memoryGiB: 8, pricePerHour: 1 }]), /field \[0\]\.vcpu/],
  ])('refuses %s with the file and field named', (_label, text, message) => {
    const file = write(text);
    expect(() => readCatalog(file)).toThrow(CatalogFormatError);
    expect(() => readCatalog(file)).toThrow(message);
    expect(() => readCatalog(file)).toThrow(file);
  });

  it('says which file it cannot read', () => {
    const missing = path.join(dir, 'missing.json');
    expect(() => readCatalog(missing)).toThrow(`${missing}: cannot read the file (ENOENT)`);
  });
});
