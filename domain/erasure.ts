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
