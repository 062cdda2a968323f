/**
 * Temporal connection settings shared by the API, the worker and the scripts: one connection per
 * process, and Temporal's own log lines routed through our scrubbing logger.
 */
import { Connection, Client } from '@temporalio/client';
import { DefaultLogger, Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Config } from './config';
import type { Logger } from './logger';
import { temporalDataConverter } from './temporal-codec';

/** Every client encrypts what it sends and decrypts what it reads (temporal-codec.ts). */
export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: temporalDataConverter(config) });
}

let runtimeInstalled = false;

/** Sends the SDK's and core's logs through pino (call once, before creating a worker). */
export function installTemporalRuntime(logger: Logger, level: LogLevel = 'WARN'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const map: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error',
  };
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const meta: LogMetadata = entry.meta ?? {};
      logger[map[entry.level]]({ temporal: meta }, entry.message);
    }),
  });
}
