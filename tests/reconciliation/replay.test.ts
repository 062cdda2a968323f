/**
 * Replay: the saved histories of the reconciliation workflow (a generation that continued as new,
 * and the last one; recorded by reconciliation.test.ts with RECORD_HISTORIES=1) must replay on
 * the current code; an incompatible change must be caught (DeterminismViolationError). The
 * replay runs in a child process (scripts/histories.ts), as for the case workflow.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const HISTORY_DIR = path.join(__dirname, 'histories');

interface Report { results: { workflowId: string; ok: boolean; error?: string; errorName?: string }[] }

function replay(dir: string, workflowsPath?: string): Promise<{ code: number; report: Report }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'scripts/histories.ts', 'replay', dir, ...(workflowsPath ? [workflowsPath] : [])], { cwd: root }, (err, stdout) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{"results"')) ?? '{"results":[]}';
      resolve({ code: err ? Number(err.code) : 0, report: JSON.parse(line) });
    });
  });
}

describe('reconciliation workflow replay', () => {
  it('when the saved histories are replayed on the current code, then none diverges', async () => {
    const saved = (await readdir(HISTORY_DIR)).filter((f) => f.endsWith('.json'));
    expect(saved.length).toBeGreaterThanOrEqual(2);
    const { code, report } = await replay(HISTORY_DIR);
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    expect(report.results).toHaveLength(saved.length);
    expect(code).toBe(0);
  }, 120_000);

  it('when the workflow changes incompatibly, then replay reports a determinism violation', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'recon-replay-'));
    await copyFile(path.join(HISTORY_DIR, 'reconciliation-first-generation-v1.json'), path.join(dir, 'reconciliation-first-generation-v1.json'));
    const { code, report } = await replay(dir, path.join(__dirname, 'fixtures/changed-reconciliation-workflow.ts'));
    expect(code).toBe(1);
    expect(report.results).toEqual([expect.objectContaining({ ok: false, errorName: 'DeterminismViolationError' })]);
  }, 120_000);
});
