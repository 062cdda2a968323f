/**
 * Structured logging (pino). Two layers keep the My Number out of every log line:
 * 1. `redact` removes the fields that could carry it anywhere in a logged object;
 * 2. the output stream scrubs any 12-digit run with a valid check digit, whatever its origin
 *    (an error message from a driver, a stringified payload, …).
 */
import pino, { type Logger } from 'pino';
import { scrubMyNumbers } from './mynumber';

const REDACT_PATHS = [
  'myNumber', '*.myNumber', '*.*.myNumber', '*.*.*.myNumber',
  'password', '*.password', 'otp', '*.otp', 'clientSecret', '*.clientSecret',
  'authorization', '*.authorization', 'req.headers.authorization', 'req.headers.cookie',
];

/** Where log lines go: stdout in every process; tests pass their own sink to read what was logged. */
export interface LogDestination {
  write(line: string): unknown;
}

const scrubbing = (out: LogDestination) => ({
  write(line: string): boolean {
    return out.write(scrubMyNumbers(line)) !== false;
  },
});

export function createLogger(name: string, level = 'info', destination: LogDestination = process.stdout): Logger {
  return pino(
    { name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } },
    scrubbing(destination),
  );
}

export type { Logger };
