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

const scrubbingStdout = {
  write(line: string): boolean {
    return process.stdout.write(scrubMyNumbers(line));
  },
};

export function createLogger(name: string, level = 'info'): Logger {
  return pino(
    { name, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } },
    scrubbingStdout,
  );
}

export type { Logger };
