import express from 'express';
import { errorHandler, notFound } from './errors';
import type { ApiDeps } from './deps';
import { openApiDocument } from './openapi';
import { mountAuth } from './auth';
import { healthRoutes } from './routes/health';
import { caseRoutes } from './routes/cases';
import { dispositionRoutes } from './routes/dispositions';
import { paymentRoutes, paymentWebhookRoutes } from './routes/payments';
import { registrantRoutes } from './routes/registrants';
import { reviewTaskRoutes } from './routes/review-tasks';
import { credentialRoutes } from './routes/credentials';
import { reconciliationRoutes } from './routes/reconciliations';
import { QUEUE_DASHBOARD_PATH, queueDashboard } from './queue-dashboard';
import { auditRoutes } from './routes/audit';
import { inquiryRecordRoutes } from './routes/inquiry-records';
import { codecRoutes } from './routes/codec';

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use((_req, res, next) => {
    res.locals.receivedAt = performance.now(); // Server-Timing's `pre` (api/server-timing.ts)
    // Responses may carry personal data: never cache them anywhere on the way.
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(healthRoutes(deps));
  // Before the JSON parser: the webhook's signature is over the raw bytes.
  app.use(paymentWebhookRoutes(deps));
  app.use(express.json({ limit: '80mb' })); // ten 5 MB attachments in base64
  // Before every /api/v1 router: authenticates all but the public calls (api/auth/index.ts).
  mountAuth(app, deps);
  app.use(caseRoutes(deps));
  app.use(dispositionRoutes(deps));
  app.use(reviewTaskRoutes(deps));
  app.use(paymentRoutes(deps));
  app.use(registrantRoutes(deps));
  app.use(credentialRoutes(deps));
  app.use(auditRoutes(deps));
  app.use(inquiryRecordRoutes(deps));
  app.use(codecRoutes(deps)); // the Temporal UI's remote codec: its own CORS and staff check
  app.use(reconciliationRoutes(deps));
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use(QUEUE_DASHBOARD_PATH, queueDashboard(deps.queues, deps.db)); // supervisor or admin token, every environment
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
