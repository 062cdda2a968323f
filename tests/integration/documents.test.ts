/**
 * The document store (db/documents.ts) on the real database and a private directory: documents are
 * immutable per ID, a producer renders once, and a file altered on disk is refused.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Sequelize } from 'sequelize';
import { createSequelize } from '../../db/connection';
import { DocumentIntegrityError, DocumentStore, sha256Hex } from '../../db/documents';
import { config } from '../helpers/env';

let db: Sequelize;
let dir: string;
let store: DocumentStore;
beforeAll(async () => {
  db = createSequelize(config.DATABASE_URL, 2);
  dir = await mkdtemp(path.join(tmpdir(), 'kyusui-documents-'));
  store = new DocumentStore(db, dir);
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const pdf = (text: string) => new Uint8Array(Buffer.from(`%PDF-1.7 ${text}`));
const meta = { kind: 'license_pdf' as const, contentType: 'application/pdf' };

describe('document store', () => {
  it('keeps the first bytes stored under an ID: a second put answers the first document', async () => {
    const documentId = randomUUID();
    const first = await store.put({ documentId, ...meta, bytes: pdf('first') });
    expect(first).toMatchObject({ documentId, sha256: sha256Hex(pdf('first')), sizeBytes: pdf('first').byteLength, kind: 'license_pdf', caseId: null });
    expect(await store.meta(documentId)).toEqual(first);
    expect(await store.put({ documentId, ...meta, bytes: pdf('second') })).toEqual(first);
    expect(Buffer.from((await store.read(documentId))!.bytes).toString()).toBe('%PDF-1.7 first');
  });

  it('makes the bytes of a document only when none is stored under its ID', async () => {
    const documentId = randomUUID();
    const make = jest.fn(async () => pdf('rendered'));
    const made = await store.ensure({ documentId, ...meta }, make);
    const again = await store.ensure({ documentId, ...meta }, make);
    expect(make).toHaveBeenCalledTimes(1);
    expect(again).toEqual(made);
    expect(made.sha256).toBe(sha256Hex(pdf('rendered')));
  });

  it('refuses to read a file that no longer matches its recorded hash', async () => {
    const documentId = randomUUID();
    await store.put({ documentId, ...meta, bytes: pdf('original') });
    await writeFile(path.join(dir, documentId.slice(0, 2), documentId), pdf('altered'));
    await expect(store.read(documentId)).rejects.toBeInstanceOf(DocumentIntegrityError);
  });
});
