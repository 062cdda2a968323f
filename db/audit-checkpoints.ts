/**
 * Signed checkpoints of the audit log, kept outside the database (R6.7 tamper detection).
 *
 * The hash chain (audit.ts) shows an entry changed in place, but someone with write access to the
 * database can rewrite the whole chain — recompute every hash and the head — or cut its tail and
 * move the head back. A checkpoint is `{seq, hash, at, keyId, signature}`: the chain's hash at
 * `seq`, signed with an Ed25519 key the database never sees, written as one file per checkpoint
 * under AUDIT_CHECKPOINT_DIR (production: storage the database administrators cannot write, e.g.
 * a WORM bucket or another host). Because each hash commits to every entry before it, the newest
 * checkpoint that matches vouches for the whole prefix; a rewrite or a truncation behind it
 * cannot match without the private key.
 *
 * A checkpoint is only written after the chain verifies from the previous checkpoint, so a forged
 * chain is never signed.
 *
 * Since migration 0009 the chain is `audit_chain` (db/audit.ts): a checkpoint's `seq` is a position
 * in the sealed chain (for entries written before 0009 it equals the entry's audit_log number).
 * Both verification and checkpointing seal what has committed first, so they speak for every
 * entry committed until then.
 */
import { createPrivateKey, createPublicKey, sign, verify as verifySignature, type KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../common/config';
import type { AuditLog } from './audit';

export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  /** Ed25519 signature (base64) of `signedText(...)`. */
  signature: string;
}

export interface CheckpointKeys {
  signer?: { keyId: string; privateKey: KeyObject };
  /** key ID → public key */
  verifiers: ReadonlyMap<string, KeyObject>;
}

// DER prefixes of an Ed25519 PKCS#8 private key and SPKI public key around the raw 32 bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function ed25519PrivateKey(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function ed25519PublicKey(raw: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The raw 32-byte public key, for AUDIT_VERIFY_KEYS of a verifier that must not hold the seed. */
export function rawPublicKey(key: KeyObject): Buffer {
  return createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

export function checkpointKeysFromConfig(config: Pick<Config, 'AUDIT_SIGNING_KEY' | 'AUDIT_VERIFY_KEYS'>): CheckpointKeys {
  const verifiers = new Map<string, KeyObject>();
  for (const [kid, raw] of config.AUDIT_VERIFY_KEYS ?? []) verifiers.set(kid, ed25519PublicKey(raw));
  let signer: CheckpointKeys['signer'];
  for (const [keyId, seed] of config.AUDIT_SIGNING_KEY ?? []) {
    signer = { keyId, privateKey: ed25519PrivateKey(seed) };
    verifiers.set(keyId, createPublicKey(signer.privateKey));
  }
  return { signer, verifiers };
}

const signedText = (c: Omit<Checkpoint, 'signature'>): Buffer =>
  Buffer.from(`kyusui-audit-checkpoint/v1\n${c.seq}\n${c.hash}\n${c.at}\n${c.keyId}`);

const fileName = (seq: number) => `${String(seq).padStart(12, '0')}.json`;

/** One JSON file per checkpoint, named by its sequence number so the newest sorts last. */
export class CheckpointStore {
  constructor(readonly dir: string) {}

  async seqs(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.filter((n) => /^\d{12}\.json$/.test(n)).map((n) => Number(n.slice(0, 12))).sort((a, b) => a - b);
  }

  async read(seq: number): Promise<unknown> {
    return JSON.parse(await readFile(path.join(this.dir, fileName(seq)), 'utf8'));
  }

  /** Written once: an existing file for the same seq (another worker was quicker) is kept. */
  async write(c: Checkpoint): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    try {
      await writeFile(path.join(this.dir, fileName(c.seq)), `${JSON.stringify(c)}\n`, { flag: 'wx', mode: 0o400 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** The checkpoint in a file if it is well formed, names its own seq and carries a valid signature; else null. */
export function validCheckpoint(raw: unknown, expectedSeq: number, keys: CheckpointKeys): Checkpoint | null {
  const c = raw as Partial<Checkpoint> | null;
  if (!c || c.seq !== expectedSeq || typeof c.hash !== 'string' || !/^[0-9a-f]{64}$/.test(c.hash)
    || typeof c.at !== 'string' || typeof c.keyId !== 'string' || typeof c.signature !== 'string') return null;
  const key = keys.verifiers.get(c.keyId);
  if (!key) return null;
  const cp = c as Checkpoint;
  return verifySignature(null, signedText(cp), key, Buffer.from(cp.signature, 'base64')) ? cp : null;
}

async function readValid(store: CheckpointStore, seq: number, keys: CheckpointKeys): Promise<Checkpoint | null> {
  try {
    return validCheckpoint(await store.read(seq), seq, keys);
  } catch {
    return null; // unreadable or not JSON: as bad as a wrong signature
  }
}

export type VerificationProblem = 'chain_broken' | 'truncated' | 'unsealed' | 'checkpoint_mismatch' | 'checkpoint_invalid';

export interface AuditVerification {
  ok: boolean;
  entries: number;
  root: string;
  /** The audit_log number of the first entry that cannot be trusted, where one can be named. */
  firstBadSeq?: number;
  /** Its position in the sealed chain (checkpoints count positions). */
  firstBadPos?: number;
  reason?: VerificationProblem;
  /** With checkpoint_mismatch: the chain positions between the last matching and the first failing checkpoint. */
  suspectRange?: [number, number];
  /** The newest checkpoint the log was checked against. */
  checkpoint?: { seq: number; at: string } | null;
  /** With checkpoint_invalid: the file that is unreadable, unsigned or signed by an unknown key. */
  invalidCheckpointSeq?: number;
  /** Entries sealed after their number had been declared a gap (a transaction that committed very late). */
  lateEntries?: number;
}

/**
 * Full verification: the chain from the first entry, then the checkpoints from the newest back.
 * The newest valid checkpoint must match; a mismatch is narrowed to the range between the last
 * checkpoint that still matches and the first that does not.
 */
export async function verifyAuditLog(audit: AuditLog, store: CheckpointStore, keys: CheckpointKeys): Promise<AuditVerification> {
  await audit.seal();
  const seqs = await store.seqs();
  const chain = await audit.verify({ collect: new Set(seqs) });
  const base = { entries: chain.entries, root: chain.root };
  if (!chain.ok) {
    return { ok: false, ...base, firstBadSeq: chain.firstBadSeq, firstBadPos: chain.firstBadPos,
      reason: chain.problem === 'unsealed' ? 'unsealed' : 'chain_broken' };
  }
  const lateEntries = chain.late;
  if (seqs.length === 0) return { ok: true, ...base, checkpoint: null, lateEntries };

  const newestSeq = seqs[seqs.length - 1];
  const newest = await readValid(store, newestSeq, keys);
  if (!newest) return { ok: false, ...base, reason: 'checkpoint_invalid', invalidCheckpointSeq: newestSeq };
  const checkpoint = { seq: newest.seq, at: newest.at };
  if (newest.seq > chain.entries) return { ok: false, ...base, firstBadPos: chain.entries + 1, reason: 'truncated', checkpoint };
  if (chain.hashesAt?.get(newest.seq) === newest.hash) return { ok: true, ...base, checkpoint, lateEntries };

  // The chain was rewritten behind the newest checkpoint: find where it still agrees.
  let lastGood = 0;
  for (let i = seqs.length - 2; i >= 0; i--) {
    const older = await readValid(store, seqs[i], keys);
    if (older && chain.hashesAt?.get(older.seq) === older.hash) {
      lastGood = older.seq;
      break;
    }
  }
  return { ok: false, ...base, firstBadPos: lastGood + 1, firstBadSeq: await audit.entrySeqAt(lastGood + 1) ?? undefined,
    reason: 'checkpoint_mismatch', suspectRange: [lastGood + 1, newest.seq], checkpoint };
}

export interface CheckpointOutcome {
  /** The checkpoint written now, or null when the log has not moved since the last one. */
  written: Checkpoint | null;
  /** Set when the log does not verify: no checkpoint is written over a log that fails. */
  failure?: AuditVerification;
}

/** Verifies the chain from the newest checkpoint on and, if it holds and has grown, signs its head. */
export async function writeCheckpoint(audit: AuditLog, store: CheckpointStore, keys: CheckpointKeys,
  now: () => Date = () => new Date()): Promise<CheckpointOutcome> {
  if (!keys.signer) throw new Error('AUDIT_SIGNING_KEY is not configured: this process cannot sign checkpoints');
  const seqs = await store.seqs();
  const newestSeq = seqs.at(-1);
  const newest = newestSeq === undefined ? null : await readValid(store, newestSeq, keys);
  if (newestSeq !== undefined && !newest) {
    return { written: null, failure: { ok: false, entries: 0, root: '', reason: 'checkpoint_invalid', invalidCheckpointSeq: newestSeq } };
  }
  await audit.seal();
  const chain = await audit.verify(newest ? { from: { seq: newest.seq, hash: newest.hash } } : {});
  if (!chain.ok) {
    const reason = newest && chain.firstBadPos === newest.seq ? 'checkpoint_mismatch' : chain.problem === 'unsealed' ? 'unsealed' : 'chain_broken';
    return { written: null, failure: { ok: false, entries: chain.entries, root: chain.root, firstBadSeq: chain.firstBadSeq,
      firstBadPos: chain.firstBadPos, reason } };
  }
  if (chain.entries === 0 || (newest && chain.entries === newest.seq)) return { written: null };
  const unsigned = { seq: chain.entries, hash: chain.root, at: now().toISOString(), keyId: keys.signer.keyId };
  const cp: Checkpoint = { ...unsigned, signature: sign(null, signedText(unsigned), keys.signer.privateKey).toString('base64') };
  await store.write(cp);
  return { written: cp };
}
