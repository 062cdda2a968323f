/**
 * Replay: every saved history of the case workflow (tests/workflows/histories, recorded by
 * case-workflow.test.ts with RECORD_HISTORIES=1) must replay on the current code. A change that
 * breaks a running case fails here; guard such a change with patched() and keep the old history.
 * The replay runs in a child process (scripts/histories.ts): protobufjs types do not survive
 * jest's module registry.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, copyFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HISTORY_DIR } from './case-harness';

const root = path.resolve(__dirname, '../..');

interface Report { results: { workflowId: string; ok: boolean; error?: string; errorName?: string }[] }

function replay(dir: string, workflowsPath?: string): Promise<{ code: number; report: Report }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'scripts/histories.ts', 'replay', dir, ...(workflowsPath ? [workflowsPath] : [])], { cwd: root },
      (err, stdout) => {
        // the SDK may log to stdout too: the report is the line that starts with {"results"
        const line = stdout.split('\n').find((l) => l.startsWith('{"results"')) ?? '{"results":[]}';
        resolve({ code: err ? Number(err.code) : 0, report: JSON.parse(line) });
      });
  });
}

describe('case workflow replay', () => {
  it('when the saved histories are replayed on the current code, then none diverges', async () => {
    const saved = (await readdir(HISTORY_DIR)).filter((f) => f.endsWith('.json'));
    expect(saved.length).toBeGreaterThanOrEqual(9);
    // The newest patch's branch (a refusal at registration, 'registering-business-failure') is among them.
    expect(saved).toContain('case-registration-refused-v4.json');
    // … and the cases of 'fewer-tasks' (checks together, one activity per status change and its notice).
    expect(saved).toEqual(expect.arrayContaining(['case-approve-online-v5.json', 'case-return-resubmit-stamp-v5.json', 'case-paid-and-withdrawn-v5.json']));
    // … and of 'fewer-steps' (status changes recorded by the next activity; one patch marker per new case).
    expect(saved).toEqual(expect.arrayContaining(['case-approve-online-v6.json', 'case-return-resubmit-stamp-v6.json',
      'case-paid-and-withdrawn-v6.json', 'case-honseki-undeterminable-v6.json', 'case-registration-refused-v6.json']));
    // … and of 'local-checks' (the checks and the license as local activities).
    expect(saved).toEqual(expect.arrayContaining(['case-approve-online-v7.json', 'case-return-resubmit-stamp-v7.json',
      'case-paid-and-withdrawn-v7.json', 'case-honseki-undeterminable-v7.json', 'case-registration-refused-v7.json',
      // … and a payment confirmed before the retried task created the payment again ('early-payment')
      'case-early-payment-v7.json']));
    // … and of 'fused-steps' (a decision, a payment and a print job carried by the next step's activity).
    expect(saved).toEqual(expect.arrayContaining(['case-approve-online-v8.json', 'case-return-resubmit-stamp-v8.json',
      'case-paid-and-withdrawn-v8.json', 'case-honseki-undeterminable-v8.json', 'case-registration-refused-v8.json',
      'case-early-payment-v8.json']));
    const { code, report } = await replay(HISTORY_DIR);
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    expect(report.results).toHaveLength(saved.length);
    expect(code).toBe(0);
  });

  it('when the workflow changes incompatibly, then replay reports a determinism violation', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'replay-'));
    await copyFile(path.join(HISTORY_DIR, 'case-approve-online-v1.json'), path.join(dir, 'case-approve-online-v1.json'));
    const { code, report } = await replay(dir, path.join(__dirname, 'fixtures/changed-case-workflow.ts'));
    expect(code).toBe(1);
    expect(report.results).toEqual([expect.objectContaining({ ok: false, errorName: 'DeterminismViolationError' })]);
  });
});
