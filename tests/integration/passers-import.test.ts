/** `npm run admin -- passers:import <file.csv>`: the command as an operator runs it. */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomInt } from 'node:crypto';

const root = path.resolve(__dirname, '../..');
const run = (file: string) => new Promise<{ code: number; stdout: string }>((resolve) => {
  execFile('npx', ['tsx', 'scripts/admin.ts', 'passers:import', file, '--json'], { cwd: root }, (err, stdout) =>
    resolve({ code: err ? Number(err.code) : 0, stdout }));
});

describe('passers:import', () => {
  it('imports good rows, reports bad ones by line, and changes nothing on a re-import', async () => {
    const n = randomInt(0, 1e6);
    const csv = ['passerNumber,nameKanji,nameKana,birthDate,examDate',
      `R07-${n}1,水道　一郎,スイドウ　イチロウ,1980-01-02,2025-10-26`,
      `R07-${n}2,𠮷田　二郎,よしだ　じろう,1981-03-04,2025-10-26`,
      `R07-${n}3,髙橋　三郎,タカハシ　サブロウ,1982-02-30,2025-10-26`,
      `R07-${n}4,邊見　四郎,ヘンミ　シロウ,1983-05-06`].join('\n');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'passers-'));
    const file = path.join(dir, 'passers.csv');
    await writeFile(file, `\uFEFF${csv}\n`);
    const first = await run(file);
    expect(first.code).toBe(2);
    const report = JSON.parse(first.stdout.trim().split('\n').at(-1)!);
    expect(report).toMatchObject({ rows: 4, inserted: 2, updated: 0, unchanged: 0 });
    expect(report.errors).toEqual([{ line: 4, message: expect.stringMatching(/^birthDate:/) }, { line: 5, message: expect.stringContaining('expected 5 fields') }]);
    expect(first.stdout).not.toContain('髙橋');
    const second = JSON.parse((await run(file)).stdout.trim().split('\n').at(-1)!);
    expect(second).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
  }, 60_000);
});
