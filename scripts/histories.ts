/**
 * Saved workflow histories, outside jest (protobufjs types do not survive jest's module registry):
 *   tsx scripts/histories.ts export <workflowId> <file.json> [runId]   fetch a history in Temporal's JSON form
 *                                                        (a given run, e.g. a generation before continue-as-new)
 *   tsx scripts/histories.ts replay <dir> [workflowsPath]        replay every *.json; prints a JSON report
 * The replay exits 1 when any history diverges from the current workflow code.
 * Payloads are encrypted on the server (common/temporal-codec.ts): the export saves them decrypted,
 * so a saved history replays with any key ring; the replay decodes encrypted and plain payloads.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { loadConfigOrExit } from '../common/config';
import { connectClient } from '../common/temporal';
import { codecFromConfig, decryptJsonPayloadsDeep, FAILURE_CONVERTER_PATH, temporalDataConverter } from '../common/temporal-codec';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

async function exportHistory(workflowId: string, file: string, runId?: string): Promise<void> {
  const config = loadConfigOrExit();
  const client = await connectClient(config);
  try {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const json: unknown = JSON.parse(historyToJSON(history));
    await decryptJsonPayloadsDeep(json, codecFromConfig(config));
    await writeFile(file, JSON.stringify(json, null, 2));
  } finally {
    await client.connection.close();
  }
}

async function replay(dir: string, workflowsPath: string): Promise<boolean> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const histories = await Promise.all(files.map(async (f) => ({
    workflowId: f.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(await readFile(path.join(dir, f), 'utf8'))),
  })));
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: quiet, failureConverterPath: FAILURE_CONVERTER_PATH });
  const dataConverter = temporalDataConverter(loadConfigOrExit());
  const results: { workflowId: string; ok: boolean; error?: string; errorName?: string }[] = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'saved-histories', dataConverter }, histories)) {
    results.push({ workflowId: r.workflowId, ok: !r.error, error: r.error?.message, errorName: r.error?.name });
  }
  process.stdout.write(`${JSON.stringify({ results })}\n`);
  return results.every((r) => r.ok);
}

async function main(): Promise<void> {
  const [cmd, a, b, c] = process.argv.slice(2);
  if (cmd === 'export' && a && b) return exportHistory(a, b, c);
  if (cmd === 'replay' && a) {
    if (!(await replay(a, path.resolve(b ?? path.join(__dirname, '..', 'workflows'))))) process.exitCode = 1;
    return;
  }
  throw new Error('usage: histories.ts export <workflowId> <file> | replay <dir> [workflowsPath]');
}

main().catch((err: Error) => {
  process.stderr.write(`histories: ${err.message}\n`);
  process.exit(2);
});
