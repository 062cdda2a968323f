import { defineUpdate } from '@temporalio/workflow';

export interface HearingInput { actor: string; summary: string }
/** A return order's hearing (聴聞) has been held: its record, by the staff member who held it. */
export const recordHearingUpdate = defineUpdate<void, [HearingInput]>('recordHearing');
