/**
 * Guard rails for workflow code: the real bundle builds, a workflow importing a Node built-in is
 * refused by the bundler, and the lint rules flag I/O imports in workflows/ before that.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { spawn } from 'node:child_process';

const root = path.resolve(__dirname, '../..');

describe('workflow bundle', () => {
  it('when the workflows are bundled, then the bundle builds', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(root, 'workflows'), logger: silent });
    expect(code).toContain('systemCheckWorkflow');
  });

  it('when a workflow imports a Node built-in, then bundling fails', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bad-wf-'));
    await writeFile(path.join(dir, 'index.ts'),
      "import { readFileSync } from 'fs';\nexport async function bad(): Promise<string> { return readFileSync('/etc/hostname', 'utf8'); }\n");
    await expect(bundleWorkflowCode({ workflowsPath: path.join(dir, 'index.ts'), logger: silent })).rejects.toThrow();
  });

  it('when a file under workflows/ imports the database or forgets a promise, then lint fails', async () => {
    const source = [
      "import { Sequelize } from 'sequelize';",
      "import { readFileSync } from 'node:fs';",
      "import { sleep } from '@temporalio/workflow';",
      'export async function wf(): Promise<void> { sleep(1); void Sequelize; void readFileSync; }',
      '',
    ].join('\n');
    // ESLint 9 loads its config with a dynamic import that jest's VM cannot run: lint in a child.
    const rules = await lintRules(source, 'workflows/system-check.ts');
    expect(rules.filter((r) => r === 'no-restricted-imports')).toHaveLength(2);
    expect(rules).toContain('@typescript-eslint/no-floating-promises');
  });
});

async function lintRules(source: string, file: string): Promise<(string | null)[]> {
  const child = spawn('npx', ['eslint', '--format', 'json', '--stdin', '--stdin-filename', file], { cwd: root });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stdin.end(source);
  await new Promise((r) => child.on('close', r));
  const [result] = JSON.parse(stdout) as { messages: { ruleId: string | null }[] }[];
  return result.messages.map((m) => m.ruleId);
}

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;
