/**
 * The yearly reconciliation (定期照合, R1.2, R6.2): pages through the registrant file in keyset
 * order, one 住基ネット batch file per page, with a few pages in flight so the remote's answer
 * delay overlaps our own work; a durable timer waits for each batch. Every side effect and every
 * comparison is in activities (activities/reconciliation.ts); the history holds page numbers,
 * cursors (資格仮名IDs), batch IDs and counts — no personal data.
 *
 * Continue-as-new every `pagesPerRun` pages, after the pages in flight are done, with the cursor
 * and the counters: the history of one generation stays at a few thousand events whatever the
 * size of the file. Progress is a query here and a row in `reconciliation_runs` for the API.
 */
import {
  ApplicationFailure, condition, ContinueAsNew, continueAsNew, defineQuery, proxyActivities, setHandler, sleep, uuid4,
} from '@temporalio/workflow';
import type { ReconciliationActivities } from '../../activities/reconciliation-contract';
import {
  addProgress, DEFAULT_SETTINGS, EMPTY_PROGRESS, type ReconciliationInput, type ReconciliationProgress, type ReconciliationSettings,
  type ReconciliationState, type ReconciliationStatus, type ReconciliationView,
} from './model';

/** Pages: long, heartbeating activities (batch files of thousands, follow-ups under a throttle). */
const pages = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '20 seconds', // the activities heartbeat every 5 s (withHeartbeat): a killed worker's page is retried soon
  retry: { initialInterval: '2 seconds', maximumInterval: '2 minutes', maximumAttempts: 20 },
});
const bookkeeping = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

export const reconciliationProgressQuery = defineQuery<ReconciliationView>('reconciliationProgress');

/** How many polls of one pending batch before the page is given up (≈ an hour at the default interval). */
const MAX_POLLS = 1800;

export async function reconciliationWorkflow(input: Partial<ReconciliationInput> = {}): Promise<ReconciliationProgress> {
  // A run started by the schedule has no runId of its own: derive one (replay-safe).
  const runId = input.runId ?? uuid4();
  const trigger = input.trigger ?? 'schedule';
  const startedBy = input.startedBy ?? 'system:schedule';
  const settings: ReconciliationSettings = { ...DEFAULT_SETTINGS, ...input.settings };
  const state: ReconciliationState = input.state
    ? { ...input.state, progress: { ...input.state.progress } }
    : { nextPage: 0, cursor: '', total: 0, progress: { ...EMPTY_PROGRESS }, generation: 0 };
  let status: ReconciliationStatus = 'running';
  setHandler(reconciliationProgressQuery, () => ({ runId, status, ...state, progress: { ...state.progress } }));

  try {
    if (!input.state) state.total = (await bookkeeping.startReconciliationRun({ runId, trigger, startedBy })).total;
    const exhausted = await runPages(runId, settings, state);
    if (!exhausted) {
      await continueAsNew<typeof reconciliationWorkflow>({ runId, trigger, startedBy, settings,
        state: { ...state, generation: state.generation + 1 } });
    }
    state.progress = await bookkeeping.finishReconciliationRun({ runId, status: 'completed' });
    status = 'completed';
    return state.progress;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    status = 'failed';
    await bookkeeping.finishReconciliationRun({ runId, status: 'failed' });
    throw err;
  }
}

/** Hands out up to `pagesPerRun` pages, `pagesInFlight` at a time; true when the file is exhausted. */
async function runPages(runId: string, settings: ReconciliationSettings, state: ReconciliationState): Promise<boolean> {
  let active = 0;
  let failure: unknown;
  const running: Promise<void>[] = [];
  let exhausted = false;
  for (let n = 0; n < settings.pagesPerRun; n++) {
    await condition(() => active < settings.pagesInFlight || failure !== undefined);
    if (failure !== undefined) break;
    const pageNo = state.nextPage;
    const page = await pages.submitReconciliationPage({ runId, pageNo, afterId: state.cursor, pageSize: settings.pageSize });
    if (page.registrants === 0) {
      exhausted = true;
      break;
    }
    state.cursor = page.lastId;
    state.nextPage = pageNo + 1;
    active++;
    running.push(processPage(runId, pageNo, page.readyAt, settings)
      .then((counts) => {
        state.progress = addProgress(state.progress, counts);
      }, (err: unknown) => {
        failure ??= err;
      })
      .finally(() => {
        active--;
      }));
    // A short last page means the file ends here: no need to ask for an empty one.
    if (page.registrants < settings.pageSize) {
      exhausted = true;
      break;
    }
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
  return exhausted;
}

async function processPage(runId: string, pageNo: number, readyAt: string, settings: ReconciliationSettings): Promise<ReconciliationProgress> {
  await sleepUntil(readyAt);
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    const r = await pages.collectReconciliationPage({ runId, pageNo });
    if (r.status === 'collected') return pages.applyReconciliationPage({ runId, pageNo });
    await sleep(settings.pollInterval);
    await sleepUntil(r.readyAt);
  }
  throw ApplicationFailure.create({ type: 'BATCH_NEVER_READY', message: `the 住基ネット batch of page ${pageNo} was not answered in time`, nonRetryable: true });
}

/** Durable wait until an instant the remote named (workflow time is replay-safe). */
async function sleepUntil(iso: string): Promise<void> {
  const ms = Date.parse(iso) - Date.now();
  if (ms > 0) await sleep(Math.min(ms, 3_600_000));
}
