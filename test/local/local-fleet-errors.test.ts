import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FleetError } from '../../control/fleet';
import { DEFAULT_CATALOG } from '../../core/catalog';
import { LocalFleet } from '../../local/local-fleet';

// The Fleet port promises only FleetError; these failures need no agent process to run.
describe('LocalFleet errors', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'stowage-fleet-errors-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fleet = (stateDir: string) => new LocalFleet({ apiUrl: 'http://127.0.0.1:1', stateDir, catalog: DEFAULT_CATALOG.filter((t) => t.name === 'm5.large'), repoRoot: dir });

  it('refuses an instance type outside its catalog with a non-retriable FleetError naming the catalog', async () => {
    const err = await fleet(dir).launch({ instanceType: 'x9.huge', zone: 'local-a', labels: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetError);
    expect(err).toMatchObject({ operation: 'launch', retriable: false });
    expect(String((err as Error).message)).toContain('m5.large');
  });

  it('reports a launch it could not prepare as a retriable FleetError with the cause', async () => {
    // The state folder is a file: the agent's folder cannot be made.
    const blocked = path.join(dir, 'not-a-folder');
    writeFileSync(blocked, '');
    const err = await fleet(blocked).launch({ instanceType: 'm5.large', zone: 'local-a', labels: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetError);
    expect(err).toMatchObject({ operation: 'launch', retriable: true });
    expect((err as FleetError).cause).toBeDefined();
  });

  it('terminates ids it never launched without error (nothing of theirs is left)', async () => {
    await expect(fleet(dir).terminate(['local-unknown-1'])).resolves.toBeUndefined();
  });
});
