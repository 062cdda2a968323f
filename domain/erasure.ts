/**
 * What an erased entry (抹消) says about its person. An entry erased for death (死亡) or a
 * declaration of disappearance (失踪宣告) ends that person's qualification for good: no new
 * registration. Any other erasure (deletion on application, a returned license) and a revocation
 * after a return order (返納命令) end only that entry: the person may register again, under a new
 * entry and a new license number.
 *
 * One rule for the credential status (credential/repository.ts, in SQL) and for intake and
 * registration (here, in code), so the verifier's 死亡等 and the refusal of a new registration
 * never disagree.
 */

/** `registrants.erasure_event` values that mean the person died or was declared missing. */
export const DECEASED_EVENTS = ['death', 'deceased', 'disappearance', 'missing'] as const;
/** Free-text erasure reasons that mean the same (older entries, family reports on paper). */
export const DECEASED_REASON_PATTERN = '死亡|失踪|death|deceased';

export interface ErasureState {
  qualification_status: string;
  erasure_event: string | null;
  erasure_reason: string | null;
}

export function isDeceasedEntry(e: ErasureState): boolean {
  if (e.qualification_status !== 'erased') return false;
  return (DECEASED_EVENTS as readonly string[]).includes((e.erasure_event ?? '').toLowerCase())
    || new RegExp(DECEASED_REASON_PATTERN).test(e.erasure_reason ?? '');
}

/** An entry that no longer holds a qualification but whose person may register again. */
export function isEndedEntry(e: ErasureState): boolean {
  return (e.qualification_status === 'erased' || e.qualification_status === 'revoked') && !isDeceasedEntry(e);
}

/** The same test as SQL over a registrants alias (`r`), for the credential status. */
export function deceasedEntrySql(alias = 'r'): string {
  return `${alias}.qualification_status = 'erased' AND (LOWER(COALESCE(${alias}.erasure_event, '')) IN (${DECEASED_EVENTS.map((e) => `'${e}'`).join(', ')})
    OR COALESCE(${alias}.erasure_reason, '') REGEXP '${DECEASED_REASON_PATTERN}')`;
}

/**
 * Whether an entry in this state (`registrants.qualification_status`) takes a later case of this
 * type (変更, 書換え, 再交付, 削除, 返納), or the reason it does not. An erased entry (抹消) takes
 * none: it has ended and is kept only as a record (a person who registers again gets a new entry).
 * A revoked entry (取消し after a return order, 返納命令) has no valid license left to rewrite or
 * reissue, but its contact data may still be corrected, it may be erased, and its license must be
 * handed back. A suspended entry (停止) takes every case: the license stays, suspended.
 * One rule for intake (409 `details.reason`) and for the registration step (the race between them).
 */
export function laterCaseRefusal(caseType: string, qualificationStatus: string): 'registrant_erased' | 'registrant_revoked' | null {
  if (qualificationStatus === 'erased') return 'registrant_erased';
  if (qualificationStatus === 'revoked' && (caseType === 'rewrite' || caseType === 'reissue')) return 'registrant_revoked';
  return null;
}
