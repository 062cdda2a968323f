/**
 * The one typed configuration of every process (API, worker, scripts, simulators).
 * Nothing else in the code base reads process.env: take what you need from `loadConfig()`.
 * Validation happens once, at start-up, and a bad value stops the process with a message
 * naming the variable (never its value: some are secrets).
 */
import { z } from 'zod';

const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol.replace(':', ''));
    } catch {
      return false;
    }
  }, `must be a URL with scheme ${protocols.join(' or ')}`);

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** A key ring `kid1:base64,kid2:base64`; each key must decode to exactly 32 bytes (AES-256 / HMAC-SHA256). */
const keyRing = z.string().transform((v, ctx) => {
  const keys = new Map<string, Buffer>();
  for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [kid, b64] = part.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!kid || !/^[A-Za-z0-9_-]{1,32}$/.test(kid) || key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'each entry must be <keyId>:<base64 of 32 bytes>' });
      return z.NEVER;
    }
    keys.set(kid, key);
  }
  if (keys.size === 0) {
    ctx.addIssue({ code: 'custom', message: 'needs at least one key' });
    return z.NEVER;
  }
  return keys;
});

const key32 = z.string().transform((v, ctx) => {
  const key = Buffer.from(v, 'base64');
  if (key.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be base64 of 32 bytes' });
    return z.NEVER;
  }
  return key;
});

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  API_HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_BASE_URL: url(['http', 'https']).optional(),

  TEMPORAL_ADDRESS: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').default('127.0.0.1:17233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('kyusui'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('kyusui-cases'),
  TEMPORAL_UI_URL: url(['http', 'https']).default('http://127.0.0.1:18233'),
  /** Path of a prebuilt workflow bundle (production); absent → bundle from source at start. */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),

  DATABASE_URL: url(['mysql', 'mariadb']).default('mysql://kyusui_app:kyusui-app-dev@127.0.0.1:13306/kyusui'),
  VAULT_DATABASE_URL: url(['mysql', 'mariadb']).default(
    'mysql://kyusui_vault:kyusui-vault-dev@127.0.0.1:13306/kyusui_vault',
  ),
  MIGRATION_DATABASE_URL: url(['mysql', 'mariadb']).default(
    'mysql://kyusui_migrator:kyusui-migrator-dev@127.0.0.1:13306/kyusui',
  ),
  /** Host part used in GRANT statements for the application and vault accounts. */
  DB_GRANT_HOST: z.string().default('%'),
  DB_POOL_MAX: positiveInt.default(10),

  REDIS_URL: url(['redis', 'rediss']).default('redis://127.0.0.1:16379'),

  SMTP_URL: url(['smtp', 'smtps']).default('smtp://127.0.0.1:11025'),
  MAIL_FROM: z.string().default('給水装置工事主任技術者免状担当 <no-reply@kyusui.example.go.jp>'),
  MAIL_SINK_HTTP_PORT: port.default(18025),
  MAIL_SINK_SMTP_PORT: port.default(11025),
  MAIL_SINK_DIR: z.string().default('.run/dev/mail'),

  DOCUMENT_STORE_DIR: z.string().default('.run/dev/documents'),

  JUKI_SIM_URL: url(['http', 'https']).default('http://127.0.0.1:3101'),
  CHUKAN_SIM_URL: url(['http', 'https']).default('http://127.0.0.1:3102'),
  PAYMENT_SIM_URL: url(['http', 'https']).default('http://127.0.0.1:3103'),

  /** AES-256-GCM data keys for the My Number vault, `kid:base64,…`. */
  MYNUMBER_KEYS: keyRing,
  /** Which key of MYNUMBER_KEYS encrypts new entries (the others only decrypt). */
  MYNUMBER_ACTIVE_KEY_ID: z.string().min(1),
  /** HMAC-SHA256 key of the blind index used to find an entry without decrypting. */
  MYNUMBER_INDEX_KEY: key32,

  /** AES-256-GCM keys of the Temporal payload codec, `kid:base64,…` (old key IDs still decode). */
  TEMPORAL_CODEC_KEYS: keyRing,
  /** Which key of TEMPORAL_CODEC_KEYS encrypts new payloads. */
  TEMPORAL_CODEC_ACTIVE_KEY_ID: z.string().min(1),

  /** Where signed audit checkpoints are written: keep it off the database host (R6.7). */
  AUDIT_CHECKPOINT_DIR: z.string().default('.run/dev/audit-checkpoints'),
  /** Ed25519 seed that signs checkpoints, `kid:base64 of 32 bytes`; only the checkpoint writer (worker, admin) needs it. */
  AUDIT_SIGNING_KEY: keyRing.optional(),
  /** Ed25519 public keys (raw 32 bytes) that verify checkpoints, `kid:base64,…`; the signing key's own is added. */
  AUDIT_VERIFY_KEYS: keyRing.optional(),
  /** Seconds between checkpoints and between usage-record analyses, run by the worker. */
  AUDIT_CHECKPOINT_INTERVAL_S: positiveInt.default(600),
  AUDIT_ANALYSIS_INTERVAL_S: positiveInt.default(900),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset, as in most .env conventions.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const config = result.data;
  if (!config.MYNUMBER_KEYS.has(config.MYNUMBER_ACTIVE_KEY_ID)) {
    throw new ConfigError(['MYNUMBER_ACTIVE_KEY_ID: must name a key present in MYNUMBER_KEYS']);
  }
  if (!config.TEMPORAL_CODEC_KEYS.has(config.TEMPORAL_CODEC_ACTIVE_KEY_ID)) {
    throw new ConfigError(['TEMPORAL_CODEC_ACTIVE_KEY_ID: must name a key present in TEMPORAL_CODEC_KEYS']);
  }
  if (config.AUDIT_SIGNING_KEY && config.AUDIT_SIGNING_KEY.size !== 1) {
    throw new ConfigError(['AUDIT_SIGNING_KEY: must be exactly one <keyId>:<base64 of 32 bytes>']);
  }
  return config;
}

let cached: Config | undefined;

/** The process's configuration, parsed from the environment on first use. */
export function loadConfig(): Config {
  if (!cached) cached = parseConfig(process.env);
  return cached;
}

/** Start-up helper for entry points: print the problems and exit instead of a stack trace. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
