/**
 * The one typed configuration of every process (API, worker, scripts, simulators).
 * Nothing else in the code base reads process.env: take what you need from `loadConfig()`.
 * Validation happens once, at start-up, and a bad value stops the process with a message
 * naming the variable (never its value: some are secrets).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
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
const yen = z.coerce.number().int().min(0).max(1_000_000);
/** A Temporal duration string: '30 days', '2 hours', '45 seconds', '500 ms'. */
const duration = z.string().regex(/^\d+(\.\d+)?\s*(ms|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?)$/,
  "must be a duration such as '30 days' or '10 seconds'");

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

/** One ES256 (P-256) key of the credential key ring: a private key signs, a public-only one still verifies. */
export interface CredentialKey { privateKey?: KeyObject; publicKey: KeyObject }

/**
 * The credential signing key ring `kid:base64,…`: each value is a P-256 key as DER, PKCS#8 for a
 * key that may sign or SPKI for a retired key kept only so that its credentials stay verifiable
 * until they expire. Key IDs are short: they travel in every QR code.
 */
const ecKeyRing = z.string().transform((v, ctx) => {
  const keys = new Map<string, CredentialKey>();
  for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [kid, b64] = part.split(':');
    const key = parseP256(Buffer.from(b64 ?? '', 'base64'));
    if (!kid || !/^[A-Za-z0-9_-]{1,16}$/.test(kid) || !key) {
      ctx.addIssue({ code: 'custom', message: 'each entry must be <keyId>:<base64 of a P-256 key, PKCS#8 or SPKI DER>' });
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

function parseP256(der: Buffer): CredentialKey | undefined {
  const isP256 = (k: KeyObject) => k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  try {
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return isP256(privateKey) ? { privateKey, publicKey: createPublicKey(privateKey) } : undefined;
  } catch {
    try {
      const publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
      return isP256(publicKey) ? { publicKey } : undefined;
    } catch {
      return undefined;
    }
  }
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `on`: POST /api/v1/cases answers with a Server-Timing header (vault, db, temporal …), for benchmarks. */
  SERVER_TIMING: z.enum(['on', 'off']).default('off'),

  API_HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_BASE_URL: url(['http', 'https']).optional(),

  TEMPORAL_ADDRESS: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').default('127.0.0.1:17233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('kyusui'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('kyusui-cases'),
  TEMPORAL_UI_URL: url(['http', 'https']).default('http://127.0.0.1:18233'),
  /**
   * The codec endpoint as browsers reach it (`<API>/codec`); absent → http://127.0.0.1:PORT/codec.
   * Decides the sign-in cookie: Secure on https, SameSite=Strict when on TEMPORAL_UI_URL's site.
   */
  TEMPORAL_UI_CODEC_ENDPOINT: url(['http', 'https']).optional(),
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

  PRINT_SPOOL_DIR: z.string().default('.run/dev/print-spool'),

  /** Shared secret of the payment gateway's webhook signature (HMAC-SHA256 of the raw body). */
  PAYMENT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters'),

  /** Fees per case type in yen (*unconfirmed*: domain notes); 0 means no payment step. */
  FEE_REGISTRATION: yen.default(2300),
  FEE_CHANGE: yen.default(0),
  FEE_REWRITE: yen.default(2300),
  FEE_REISSUE: yen.default(2550),
  FEE_DELETION: yen.default(0),
  FEE_RETURN: yen.default(0),
  /** Review deadline in administrative business days (weekends, holidays, 12/29–1/3 excluded). */
  REVIEW_DUE_BUSINESS_DAYS: positiveInt.default(10),
  /** How long an approved case may stay unpaid. */
  PAYMENT_EXPIRY: duration.default('30 days'),
  /** How long a case returned for correction (補正) waits for the applicant. */
  CORRECTION_EXPIRY: duration.default('60 days'),
  /** Days an inquiry result (住基ネット / 中間サーバー answer) is kept for the reviewer before it is purged. */
  INQUIRY_RESULT_RETENTION_DAYS: positiveInt.default(90),
  /** Seconds between the worker's purges of inquiry results past their retention. */
  INQUIRY_PURGE_INTERVAL_S: positiveInt.default(3600),
  /** The orphan starter (worker/case-starter.ts): how often it looks, and how long a case may stay `received` first. */
  CASE_STARTER_INTERVAL_S: positiveInt.default(60),
  CASE_STARTER_GRACE_S: positiveInt.default(120),

  /** When the yearly reconciliation (定期照合) runs: a cron expression in RECONCILIATION_TIMEZONE (default 1 April, 03:00). */
  RECONCILIATION_CRON: z.string().regex(/^\S+(\s+\S+){4}$/, 'must be a five-field cron expression').default('0 3 1 4 *'),
  RECONCILIATION_TIMEZONE: z.string().min(1).default('Asia/Tokyo'),
  /** Registrants per page (one 住基ネット batch file, ≤ 10,000: one 中間サーバー batch call). */
  RECONCILIATION_PAGE_SIZE: positiveInt.max(10_000).default(5000),
  /** Pages whose batches are in flight at once. */
  RECONCILIATION_PAGES_IN_FLIGHT: positiveInt.max(32).default(4),
  /** Pages per workflow generation before continue-as-new (bounds the history). */
  RECONCILIATION_PAGES_PER_RUN: positiveInt.max(500).default(50),
  /** Follow-up cases (e.g. deletion after a death) started per second per worker, at most. */
  RECONCILIATION_CASE_STARTS_PER_SECOND: positiveInt.max(1000).default(10),

  /** AES-256-GCM data keys for the My Number vault, `kid:base64,…`. */
  MYNUMBER_KEYS: keyRing,
  /** Which key of MYNUMBER_KEYS encrypts new entries (the others only decrypt). */
  MYNUMBER_ACTIVE_KEY_ID: z.string().min(1),
  /** HMAC-SHA256 key of the blind index used to find an entry without decrypting. */
  MYNUMBER_INDEX_KEY: key32,

  /** ES256 key ring of the digital credential (credential/); required in production. */
  CREDENTIAL_SIGNING_KEYS: ecKeyRing.optional(),
  /** Which key of CREDENTIAL_SIGNING_KEYS signs new credentials and status lists. */
  CREDENTIAL_ACTIVE_KEY_ID: z.string().min(1).optional(),
  /** The `iss` claim of credentials and status lists. */
  CREDENTIAL_ISSUER: z.string().min(1).max(64).default('JP-MLIT'),
  /** Lifetime of a credential shown on the holder's phone (refreshed whenever the page is online). */
  CREDENTIAL_TTL_DAYS: positiveInt.max(3660).default(30),
  /** Lifetime of the credential printed as a QR code on the paper license. */
  CREDENTIAL_PAPER_TTL_DAYS: positiveInt.max(36600).default(3650),
  /** Indexes in the status list (herd privacy: far more than credentials; even). */
  CREDENTIAL_STATUS_LIST_SIZE: positiveInt.min(1024).max(1 << 26).multipleOf(2).default(1 << 22),
  /** How long one signed status list is served (and cached by verifiers) before it is rebuilt. */
  CREDENTIAL_STATUS_LIST_MAX_AGE_SECONDS: positiveInt.max(3600).default(60),
  /** Lifetime of a holder link (the holder page's access to one registrant's credential). */
  CREDENTIAL_HOLDER_LINK_TTL_DAYS: positiveInt.max(400).default(30),
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
  /** How often the worker seals committed audit entries into the hash chain (db/audit.ts). */
  AUDIT_SEAL_INTERVAL_MS: positiveInt.default(1000),
  /** How long an audit number may stay missing (an open transaction) before the sealer takes it for a rolled-back one. */
  AUDIT_SEAL_GRACE_S: z.coerce.number().int().min(0).max(3600).default(30),
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
  const signing = config.CREDENTIAL_SIGNING_KEYS;
  if (signing || config.CREDENTIAL_ACTIVE_KEY_ID || config.NODE_ENV === 'production') {
    if (!signing?.get(config.CREDENTIAL_ACTIVE_KEY_ID ?? '')?.privateKey) {
      throw new ConfigError(['CREDENTIAL_ACTIVE_KEY_ID: must name a private key present in CREDENTIAL_SIGNING_KEYS']);
    }
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
