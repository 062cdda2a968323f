/**
 * The Temporal payload codec (issue #5, R6.3/R6.8): every payload a client or worker sends to
 * Temporal — workflow and activity inputs and results, signals, queries, memos, heartbeat details,
 * and (with the failure converter of temporal-failure-converter.ts) failure messages and stack
 * traces — is AES-256-GCM encrypted before it leaves the process, so Temporal's database and its
 * UI hold no clear text.
 *
 * Wire form of an encrypted payload:
 *   metadata.encoding          = "binary/encrypted"
 *   metadata.encryption-key-id = the key ID (a ring of keys: old IDs still decode after rotation)
 *   data                       = iv (12 bytes) | ciphertext | GCM tag (16 bytes)
 * The plaintext is the original Payload message (protobuf), metadata included; the additional
 * data binds the key ID so a payload cannot be relabelled to another key.
 *
 * Payloads that are not encrypted (histories written before the codec existed) decode unchanged.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Config } from './config';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const AAD_PREFIX = 'kyusui-temporal-codec/v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = new TextEncoder();
const text = (b: Uint8Array | null | undefined): string | undefined => (b ? Buffer.from(b).toString('utf8') : undefined);

/** A payload this codec cannot open; the message names the key ID, never any content. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

export interface CodecKeys {
  /** key ID → 32-byte AES key */
  ring: ReadonlyMap<string, Buffer>;
  activeKeyId: string;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {
    if (!keys.ring.has(keys.activeKeyId)) throw new Error('the active codec key ID is not in the key ring');
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encryptOne(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decryptOne(p));
  }

  /** Whether a payload is in this codec's encrypted form. */
  static isEncrypted(p: Payload): boolean {
    return text(p.metadata?.encoding) === ENCRYPTED_ENCODING;
  }

  /** The key ID an encrypted payload names (for audit records; not secret). */
  static keyIdOf(p: Payload): string | undefined {
    return text(p.metadata?.[KEY_ID_METADATA]);
  }

  private encryptOne(p: Payload): Payload {
    const keyId = this.keys.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.ring.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(AAD_PREFIX + keyId));
    const plain = temporal.api.common.v1.Payload.encode(p).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(keyId) },
      data: new Uint8Array(data),
    };
  }

  private decryptOne(p: Payload): Payload {
    if (!AesGcmPayloadCodec.isEncrypted(p)) return p;
    const keyId = AesGcmPayloadCodec.keyIdOf(p) ?? '';
    const key = this.keys.ring.get(keyId);
    if (!key) throw new PayloadDecryptionError(`no codec key with ID "${keyId.slice(0, 32)}" in the key ring`);
    const data = Buffer.from(p.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('encrypted payload is too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(AAD_PREFIX + keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    } catch {
      throw new PayloadDecryptionError(`encrypted payload under key "${keyId}" failed authentication`);
    }
  }
}

export function codecFromConfig(config: Pick<Config, 'TEMPORAL_CODEC_KEYS' | 'TEMPORAL_CODEC_ACTIVE_KEY_ID'>): AesGcmPayloadCodec {
  return new AesGcmPayloadCodec({ ring: config.TEMPORAL_CODEC_KEYS, activeKeyId: config.TEMPORAL_CODEC_ACTIVE_KEY_ID });
}

/**
 * Path of the module with the failure converter that encodes messages and stack traces. Workers
 * load it inside the workflow sandbox too; a prebuilt bundle must be built with it
 * (scripts/build-workflow-bundle.ts passes it to bundleWorkflowCode).
 */
export const FAILURE_CONVERTER_PATH = require.resolve('./temporal-failure-converter');

/** The data converter every Temporal client, worker and replayer of this system uses. */
export function temporalDataConverter(config: Pick<Config, 'TEMPORAL_CODEC_KEYS' | 'TEMPORAL_CODEC_ACTIVE_KEY_ID'>): DataConverter {
  return { payloadCodecs: [codecFromConfig(config)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/**
 * Decrypts, in place, every encrypted payload found anywhere in a plain JSON object such as a
 * history in Temporal's JSON form (metadata and data as base64). Used to save histories that
 * replay with any key ring (tests/workflows/histories), never for anything that leaves the host.
 */
export async function decryptJsonPayloadsDeep(value: unknown, codec: AesGcmPayloadCodec): Promise<void> {
  if (Array.isArray(value)) {
    for (const v of value) await decryptJsonPayloadsDeep(v, codec);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const obj = value as Record<string, unknown>;
  const meta = obj.metadata as Record<string, string> | undefined;
  if (meta && typeof meta === 'object' && typeof meta.encoding === 'string'
    && Buffer.from(meta.encoding, 'base64').toString() === ENCRYPTED_ENCODING) {
    const [plain] = await codec.decode([payloadFromJson(obj as JsonPayload)]);
    Object.assign(obj, payloadToJson(plain));
    return;
  }
  for (const v of Object.values(obj)) await decryptJsonPayloadsDeep(v, codec);
}

/** A payload as Temporal's JSON and the remote codec protocol carry it: bytes as base64. */
export interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

export function payloadFromJson(j: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(j.metadata ?? {})) metadata[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return { metadata, data: new Uint8Array(Buffer.from(j.data ?? '', 'base64')) };
}

export function payloadToJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = Buffer.from(v ?? new Uint8Array()).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}
