/**
 * Failure converter loaded by path (DataConverter.failureConverterPath), in the worker's main
 * thread and inside the workflow sandbox: it moves a failure's message and stack trace into an
 * encoded payload, which the payload codec (temporal-codec.ts) then encrypts. An error message can
 * quote data (a name in a validation error); Temporal only ever sees "Encoded failure".
 * Only @temporalio/common may be imported here: the file is bundled with the workflows.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
