/**
 * The OpenAPI document, generated from the same zod schemas that validate requests, so the
 * document cannot drift from the code. Routes register their paths here.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export const registry = new OpenAPIRegistry();

export const ErrorBody = registry.register(
  'Error',
  z.object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  }),
);

registry.registerPath({
  method: 'get', path: '/healthz', summary: 'Liveness', tags: ['health'],
  responses: { 200: { description: 'the process lives' } },
});
registry.registerPath({
  method: 'get', path: '/readyz', summary: 'Readiness: Temporal, database and Redis answer', tags: ['health'],
  responses: {
    200: { description: 'ready' },
    503: { description: 'a dependency is down; the body names it', content: { 'application/json': { schema: ErrorBody } } },
  },
});

let cached: object | undefined;

export function openApiDocument(): object {
  cached ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: '給水装置工事主任技術者免状 case management API',
      version: '1.0.0',
      description: 'Public HTTP contract v1. The My Number is accepted at intake only and never returned.',
    },
    servers: [{ url: '/' }],
  });
  return cached;
}
