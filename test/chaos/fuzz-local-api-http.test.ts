import fc from 'fast-check';
import { fuzzSettings } from './fuzz';
import { healthy, httpProperty, oversizedBodyCheck, rawExchange, startHttpWorld, USER_TOKEN, type HttpWorld } from './fuzz-http';
import { storeState } from './fuzz-api';
import { newStats } from './fuzz-support';

/** The local API over real sockets under hostile requests (properties in test/chaos/fuzz-http.ts). */
const settings = fuzzSettings(process.env, 40);
let world: HttpWorld;
beforeAll(async () => {
  world = await startHttpWorld();
});
afterAll(async () => {
  await world?.close();
});

describe(`local API under hostile HTTP (seed ${settings.seed})`, () => {
  it('answers every request with a JSON 4xx or a 2xx, never a 500, changes nothing it refuses, and keeps serving', async () => {
    const stats = newStats();
    await fc.assert(httpProperty(() => world, stats), settings);
    expect(stats.tried).toBeGreaterThanOrEqual(settings.numRuns);
    expect(stats.refused).toBeGreaterThan(0);
  });

  it('refuses an 11 MiB body with 413 and keeps serving', async () => {
    await oversizedBodyCheck(world, newStats());
  });

  // Regression: `new URL()` of an absolute-form target such as `http://[` threw inside the
  // request listener, an uncaught exception that ended the local cloud's process.
  it.each(['http://[', '//[', 'http://127.0.0.1:99999/jobs'])('answers the unparseable target %s with 400 and stays up', async (target) => {
    const res = await rawExchange(world.api.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${USER_TOKEN}\r\nConnection: close\r\n\r\n`);
    expect(res?.status).toBe(400);
    expect(JSON.parse(res!.body).error.code).toBe('bad-request-target');
    expect(await healthy(world.api.url)).toBe(200);
  });

  // Regression: `?__proto__=x` was assigned into a plain object (a prototype write) and so
  // vanished; the report's strict query schema now sees and refuses it, as in Lambda.
  it('refuses GET /report?__proto__=x naming the parameter', async () => {
    const res = await rawExchange(world.api.url, `GET /report?__proto__=x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${USER_TOKEN}\r\nConnection: close\r\n\r\n`);
    expect(res?.status).toBe(400);
    expect(JSON.parse(res!.body).error.fields[0].field).toBe('query.__proto__');
  });

  // Regression: bytes that are not UTF-8 were decoded with U+FFFD replacements and the
  // mangled text accepted; they now reach the handler's strict decoder and are refused.
  it('refuses a body that is not UTF-8 instead of storing replacement characters', async () => {
    const before = await storeState(world.store);
    const body = Buffer.concat([Buffer.from('{"name":"web","image":"nginx","command":["a'), Buffer.from([0xff, 0xfe]), Buffer.from('"],"cpu":1,"memoryMiB":1,"count":1}')]);
    const head = `POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${USER_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const res = await rawExchange(world.api.url, head, body);
    expect(res?.status).toBe(400);
    expect(JSON.parse(res!.body).error.code).toBe('malformed-body');
    expect(await storeState(world.store)).toBe(before);
  });
});
