import express from 'express';
import { errorHandler, notFound } from './errors';
import type { ApiDeps } from './deps';
import { openApiDocument } from './openapi';
import { healthRoutes } from './routes/health';

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use((_req, res, next) => {
    // Responses may carry personal data: never cache them anywhere on the way.
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(express.json({ limit: '20mb' }));
  app.use(healthRoutes(deps));
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
