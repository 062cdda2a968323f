/** Search attributes staff filter by in the Temporal UI. Never personal data. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CaseTypeKey = defineSearchAttributeKey('CaseType', SearchAttributeType.KEYWORD);
export const CaseStatusKey = defineSearchAttributeKey('CaseStatus', SearchAttributeType.KEYWORD);
export const ChannelKey = defineSearchAttributeKey('Channel', SearchAttributeType.KEYWORD);

/** What a case starts with (api/cases/start-workflow.ts): its type, its channel, `received`. */
export const caseStartSearchAttributes = (type: string, channel: string) => [
  { key: CaseTypeKey, value: type }, { key: ChannelKey, value: channel }, { key: CaseStatusKey, value: 'received' },
];
