import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createQueues } from '../../common/queues';
import { connectClient } from '../../common/temporal';
import { createLogger } from '../../common/logger';
import { createApp } from '../../api/app';
import type { ApiDeps } from '../../api/deps';
import { createApiServices } from '../../api/services';
import { appDb, config } from '../helpers/env';

async function serve(deps: ApiDeps): Promise<{ url: string; server: Server }> {
  const server = createApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('API health over real HTTP', () => {
  const logger = createLogger('test', 'silent');
  let deps: ApiDeps;
  let url: string;
  let server: Server;

  beforeAll(async () => {
    const db = appDb();
    deps = { config, logger, db, queues: createQueues(config.REDIS_URL), temporal: await connectClient(config), services: createApiServices(config, db) };
    ({ url, server } = await serve(deps));
  });

  afterAll(async () => {
    server.close();
    await Promise.all([deps.services.close(), deps.queues.close(), deps.db.close(), deps.temporal.connection.close()]);
  });

  it('when every dependency answers, then /healthz and /readyz are 200', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { temporal: 'up', database: 'up', redis: 'up' } });
  });

  it('when Redis is unreachable, then /readyz is 503 and names it', async () => {
    const deadQueues = createQueues('redis://127.0.0.1:1');
    deadQueues.system.on('error', () => undefined);
    const other = await serve({ ...deps, queues: deadQueues });
    try {
      const res = await fetch(`${other.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { checks: unknown; error: { message: string } };
      expect(body.checks).toEqual({ temporal: 'up', database: 'up', redis: 'down' });
      expect(body.error.message).toMatch(/redis/);
    } finally {
      other.server.close();
      await deadQueues.close().catch(() => undefined);
    }
  });

  it('when the OpenAPI document is asked for, then it describes the health routes', async () => {
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string; paths: object };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
  });

  it('when a route does not exist or the JSON is broken, then the error has the contract shape', async () => {
    const res = await fetch(`${url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});
