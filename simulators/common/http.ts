/**
 * HTTP plumbing shared by the simulators: the error shape of api-contract.md, the requester
 * headers every call on the government networks must carry, a guard that refuses a My Number
 * in a URL, an access log that never logs bodies, and a start/close helper for tests and mains.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { Logger } from '../../common/logger';
import { scrubMyNumbers } from '../../common/mynumber';

export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function sendError(res: Response, status: number, code: string, message: string, details?: unknown): void {
  res.status(status).json({ error: { code, message, ...(details === undefined ? {} : { details }) } });
}

/** Validates a body; zod issues are reduced to paths and codes so no input value is echoed. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const details = result.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code }));
    throw new SimError(400, 'BAD_REQUEST', 'request body does not match the interface', details);
  }
  return result.data;
}

/** Header values are percent-encoded UTF-8 so Japanese purposes survive HTTP's byte strings. */
function decodeHeader(value: string | string[] | undefined): string {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return '';
  try {
    return decodeURIComponent(raw).trim();
  } catch {
    return '';
  }
}

export interface RequesterInfo {
  requester: string;
  purpose: string;
  actor: string;
}

export function requesterOf(req: Request): RequesterInfo {
  return {
    requester: decodeHeader(req.headers['x-requester']),
    purpose: decodeHeader(req.headers['x-purpose']),
    actor: decodeHeader(req.headers['x-actor']),
  };
}

/** Every request on the real networks names the institution, the purpose and the person (操作者). */
export function requireRequester(req: Request, res: Response, next: NextFunction): void {
  const info = requesterOf(req);
  if (!info.requester || !info.purpose || !info.actor) {
    sendError(res, 400, 'REQUESTER_REQUIRED', 'X-Requester, X-Purpose and X-Actor headers are required');
    return;
  }
  res.locals.requester = info;
  next();
}

/** URLs end up in access logs and proxies (house style, gemma-zaken #2607): refuse any My Number in them. */
export function refuseMyNumberInUrl(req: Request, res: Response, next: NextFunction): void {
  // scrubMyNumbers leaves UUIDs whole: a payment ID's last group can be 12 digits with a valid check digit.
  if (scrubMyNumbers(req.originalUrl) !== req.originalUrl) {
    sendError(res, 400, 'MY_NUMBER_IN_URL', 'the My Number is accepted in request bodies only');
    return;
  }
  next();
}

/** One line per request: route, status, time and who asked — never a body, never a query string. */
export function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    // 'close' rather than 'finish', so a request dropped unanswered (a hang fault) is logged too.
    res.on('close', () => {
      const who = requesterOf(req);
      logger.info(
        {
          method: req.method,
          path: scrubMyNumbers(req.path),
          status: res.writableFinished ? res.statusCode : null,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          requester: who.requester || undefined,
          purpose: who.purpose || undefined,
          actor: who.actor || undefined,
          fault: res.locals.fault as string | undefined,
        },
        'request',
      );
    });
    next();
  };
}

/** Last handler: maps SimError and body-parser errors to the contract's error shape. */
export function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) return;
    if (err instanceof SimError) return sendError(res, err.status, err.code, err.message, err.details);
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large') return sendError(res, 413, 'TOO_LARGE', 'request body too large');
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'BAD_JSON', 'request body is not JSON');
    // The error text could quote input; log only its class.
    logger.error({ errorClass: (err as Error)?.name }, 'unhandled error');
    sendError(res, 500, 'INTERNAL', 'internal error');
  };
}

/** A base app: JSON body, URL guard and access log; the caller adds routes, then `finish(app)`. */
export function baseApp(logger: Logger, bodyLimit = '1mb'): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(accessLog(logger)); // first, so refused requests are logged too (path scrubbed)
  app.use(refuseMyNumberInUrl);
  app.use(express.json({ limit: bodyLimit }));
  return app;
}

export function finish(app: Express, logger: Logger): void {
  app.use((_req: Request, res: Response) => sendError(res, 404, 'NOT_FOUND', 'no such endpoint'));
  app.use(errorHandler(logger));
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens (port 0 = ephemeral) and returns a close() that also drops hanging connections. */
export function startServer(app: Express, port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  const server = http.createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${host}:${actual}`,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
