/**
 * The published status list: one signed COSE_Sign1 (typ application/statuslist+cwt, shaped after
 * the IETF Token Status List) whose payload carries the list as zlib-compressed 4-bit entries.
 * Four bits rather than two because the offline verifier must tell five states apart (valid,
 * 取消, 停止中, 再交付, 死亡等); unused indexes read 0, so compression keeps a list of millions of
 * entries to a few kilobytes. Rebuilt from the registry at most every
 * CREDENTIAL_STATUS_LIST_MAX_AGE_SECONDS, so a registry change shows within that time.
 */
import { deflateSync } from 'node:zlib';
import type { Sequelize } from 'sequelize';
import { CLAIM, HEADER, LIST_CLAIM, STATUS_LIST_TYP, encodeCbor } from './codec';
import type { Signer } from './keys';
import { invalidIndexes } from './repository';
import { STATUS_LIST_MAX_AGE_MS } from './verify-core';

/** The one list today; the id travels in every credential so that lists can be split later. */
export const STATUS_LIST_ID = 1;

export function packStatusList(size: number, entries: { index: number; code: number }[]): Uint8Array {
  const bytes = new Uint8Array(size / 2);
  for (const { index, code } of entries) {
    if (index < size) bytes[index >> 1]! |= (code & 15) << ((index & 1) * 4);
  }
  return bytes;
}

export interface SignedStatusList { bytes: Uint8Array; issuedAt: number }

export function signStatusList(signer: Signer, o: { issuer: string; listId: number; size: number;
  entries: { index: number; code: number }[]; now: number }): SignedStatusList {
  const iat = Math.floor(o.now / 1000);
  const payload = new Map<number, unknown>([
    [CLAIM.iss, o.issuer], [CLAIM.iat, iat], [CLAIM.exp, iat + STATUS_LIST_MAX_AGE_MS / 1000],
    [LIST_CLAIM.listId, o.listId], [LIST_CLAIM.bits, 4], [LIST_CLAIM.size, o.size],
    [LIST_CLAIM.lst, new Uint8Array(deflateSync(packStatusList(o.size, o.entries), { level: 9 }))],
  ]);
  return { bytes: signer.sign1(encodeCbor(payload), [[HEADER.typ, STATUS_LIST_TYP]]), issuedAt: iat * 1000 };
}

/** Keeps one signed list per process and rebuilds it when older than `maxAgeMs`; concurrent callers share a rebuild. */
export function statusListCache(o: { db: Sequelize; signer: Signer; issuer: string; size: number; maxAgeMs: number }) {
  let current: SignedStatusList | undefined;
  let building: Promise<SignedStatusList> | undefined;
  return async function get(now = Date.now()): Promise<SignedStatusList> {
    if (current && now - current.issuedAt < o.maxAgeMs) return current;
    building ??= (async () => {
      try {
        const entries = await invalidIndexes(o.db, STATUS_LIST_ID, now);
        current = signStatusList(o.signer, { issuer: o.issuer, listId: STATUS_LIST_ID, size: o.size, entries, now });
        return current;
      } finally {
        building = undefined;
      }
    })();
    return building;
  };
}
