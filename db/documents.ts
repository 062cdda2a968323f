/**
 * Documents (license PDFs, scanned attachments) live outside Temporal and outside the database:
 * files under DOCUMENT_STORE_DIR, named by document ID, with a `documents` row holding the
 * SHA-256, size and kind. Workflows pass the ID and the hash only.
 *
 * Writes are crash-safe and idempotent: the bytes go to a temporary file that is renamed into
 * place (atomic on one file system), then the row is inserted with INSERT IGNORE. A retry of the
 * same document ID rewrites identical bytes and finds the row. Reads check the hash, so a file
 * altered on disk is refused rather than served.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { QueryTypes, type Sequelize } from 'sequelize';
import { sqlTime } from './connection';
import { query } from './query';

export interface StoredDocument {
  documentId: string;
  sha256: string;
  sizeBytes: number;
  contentType: string;
  kind: string;
  caseId: string | null;
  registrantId: string | null;
}

export interface PutDocument {
  documentId: string;
  kind: 'license_pdf' | 'attachment';
  contentType: string;
  bytes: Uint8Array;
  caseId?: string;
  registrantId?: string;
}

export class DocumentIntegrityError extends Error {
  constructor(documentId: string) {
    super(`document ${documentId} does not match its recorded hash`);
    this.name = 'DocumentIntegrityError';
  }
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A stable UUID-shaped ID derived from a name (e.g. `license:<caseId>`), for idempotent writes. */
export function derivedId(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class DocumentStore {
  constructor(private readonly db: Sequelize, private readonly dir: string) {}

  private fileOf(documentId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(documentId)) throw new Error('invalid document id');
    return path.join(this.dir, documentId.slice(0, 2), documentId);
  }

  /**
   * Documents are immutable per ID: when the ID is already recorded, the first write stands and
   * these bytes are ignored (a retried producer may render slightly different bytes).
   */
  async put({ bytes, ...doc }: PutDocument): Promise<StoredDocument> {
    return this.ensure(doc, async () => bytes);
  }

  /**
   * The document with this ID, `make` called for its bytes only when none is recorded yet: a
   * retried producer renders nothing twice, and the row is read once rather than twice.
   */
  async ensure(doc: Omit<PutDocument, 'bytes'>, make: () => Promise<Uint8Array>): Promise<StoredDocument> {
    return (await this.meta(doc.documentId)) ?? this.write({ ...doc, bytes: await make() });
  }

  private async write(doc: PutDocument): Promise<StoredDocument> {
    const file = this.fileOf(doc.documentId);
    const sha256 = sha256Hex(doc.bytes);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    await writeFile(tmp, doc.bytes, { mode: 0o600 });
    await rename(tmp, file);
    const [, inserted] = await query(this.db,
      `INSERT IGNORE INTO documents (document_id, case_id, registrant_id, kind, content_type, sha256, size_bytes, storage_key, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      { replacements: [doc.documentId, doc.caseId ?? null, doc.registrantId ?? null, doc.kind, doc.contentType, sha256,
        doc.bytes.byteLength, path.relative(this.dir, file), sqlTime()], type: QueryTypes.INSERT },
    );
    if (Number(inserted) === 1) {
      return { documentId: doc.documentId, sha256, sizeBytes: doc.bytes.byteLength, contentType: doc.contentType, kind: doc.kind,
        caseId: doc.caseId ?? null, registrantId: doc.registrantId ?? null };
    }
    // Another writer recorded this ID meanwhile: its row stands, and the file must be the one it hashed.
    const stored = await this.meta(doc.documentId);
    if (!stored || stored.sha256 !== sha256) throw new DocumentIntegrityError(doc.documentId);
    return stored;
  }

  async meta(documentId: string): Promise<StoredDocument | null> {
    const [row] = await query<{ document_id: string; sha256: string; size_bytes: number; content_type: string; kind: string;
      case_id: string | null; registrant_id: string | null }>(this.db,
      'SELECT document_id, sha256, size_bytes, content_type, kind, case_id, registrant_id FROM documents WHERE document_id = ?',
      { replacements: [documentId], type: QueryTypes.SELECT });
    if (!row) return null;
    return { documentId: row.document_id, sha256: row.sha256, sizeBytes: Number(row.size_bytes), contentType: row.content_type,
      kind: row.kind, caseId: row.case_id, registrantId: row.registrant_id };
  }

  /** The bytes, checked against the recorded hash. */
  async read(documentId: string): Promise<{ meta: StoredDocument; bytes: Buffer } | null> {
    const meta = await this.meta(documentId);
    if (!meta) return null;
    const bytes = await readFile(this.fileOf(documentId));
    if (sha256Hex(bytes) !== meta.sha256) throw new DocumentIntegrityError(documentId);
    return { meta, bytes };
  }
}
