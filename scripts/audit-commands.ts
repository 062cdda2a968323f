/**
 * Audit commands of `npm run admin` (R6.7), for the auditor and for operators:
 *   audit:verify      verify the chain against the signed checkpoints; exit code 1 when it fails
 *   audit:checkpoint  verify from the newest checkpoint and sign the current head now
 *   audit:analyze     run the usage-record analysis now and print its findings
 *   audit:findings    print the recorded findings, newest first
 *   audit:public-key  print the signing key's public half for AUDIT_VERIFY_KEYS of verifiers (the API)
 * Each prints JSON with --json, else a few readable lines; each leaves an audit entry.
 */
import { userInfo } from 'node:os';
import { loadConfig } from '../common/config';
import type { AccountsContext } from '../api/auth/accounts';
import { listFindings, runAuditAnalysis, type Finding } from '../db/audit-analysis';
import { CheckpointStore, checkpointKeysFromConfig, rawPublicKey, verifyAuditLog, writeCheckpoint } from '../db/audit-checkpoints';

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const operator = () => userInfo().username;
const PURPOSE = 'audit (R6.7)';

function checkpointSetup() {
  const config = loadConfig();
  return { store: new CheckpointStore(config.AUDIT_CHECKPOINT_DIR), keys: checkpointKeysFromConfig(config) };
}

const describe = (f: Pick<Finding, 'rule' | 'subject' | 'count' | 'from' | 'to' | 'firstSeq' | 'lastSeq'>) =>
  `${f.rule}\t${f.subject.kind}=${f.subject.value}\t${f.count} entries\t${f.from} … ${f.to}\tseq ${f.firstSeq}–${f.lastSeq}`;

export const AUDIT_COMMANDS: Record<string, { usage: string; run: (ctx: AccountsContext, a: { json?: boolean }) => Promise<void> }> = {
  'audit:verify': {
    usage: '[--json]   (hash chain + signed checkpoints; exit code 1 when the log was altered)',
    run: async (ctx, a) => {
      const { store, keys } = checkpointSetup();
      const v = await verifyAuditLog(ctx.audit, store, keys);
      await ctx.audit.append({ actor: operator(), action: 'audit.verify', purpose: PURPOSE, outcome: v.ok ? 'ok' : 'error',
        detail: { entries: v.entries, reason: v.reason, firstBadSeq: v.firstBadSeq, firstBadPos: v.firstBadPos, checkpointSeq: v.checkpoint?.seq,
          via: 'admin' } });
      if (a.json) out(JSON.stringify(v));
      else if (v.ok) out(`ok: ${v.entries} entries, root ${v.root}, newest checkpoint ${v.checkpoint ? `#${v.checkpoint.seq} at ${v.checkpoint.at}` : 'none yet'}`);
      else if (v.reason === 'checkpoint_invalid') out(`FAILED (${v.reason}): checkpoint file #${v.invalidCheckpointSeq}; ${v.entries} entries checked`);
      else {
        out(`FAILED (${v.reason}): first bad entry: chain position ${v.firstBadPos ?? '?'}` +
          `${v.firstBadSeq !== undefined ? `, audit_log seq ${v.firstBadSeq}` : ''}` +
          `${v.suspectRange ? `, altered somewhere in chain positions ${v.suspectRange[0]}–${v.suspectRange[1]}` : ''}; ${v.entries} entries checked`);
      }
      if (!v.ok) process.exitCode = 1;
    },
  },
  'audit:checkpoint': {
    usage: '[--json]   (verify from the newest checkpoint, then sign the head into AUDIT_CHECKPOINT_DIR)',
    run: async (ctx, a) => {
      const { store, keys } = checkpointSetup();
      const r = await writeCheckpoint(ctx.audit, store, keys);
      if (a.json) out(JSON.stringify(r));
      else if (r.failure) out(`FAILED (${r.failure.reason}): first bad entry #${r.failure.firstBadSeq}; no checkpoint written`);
      else out(r.written ? `checkpoint #${r.written.seq} written to ${store.dir}` : 'no new entries since the newest checkpoint');
      if (r.failure) process.exitCode = 1;
    },
  },
  'audit:analyze': {
    usage: '[--json]   (usage-record analysis of the entries since the last run)',
    run: async (ctx, a) => {
      const run = await runAuditAnalysis(ctx.db, ctx.audit, { actor: operator() });
      if (a.json) return out(JSON.stringify(run));
      if (!run) return out('another analysis is running; try again shortly');
      out(`analysed entries #${run.fromSeq + 1}–#${run.toSeq}: ${run.findings.length} finding(s)`);
      run.findings.forEach((f) => out(describe(f)));
    },
  },
  'audit:public-key': {
    usage: '   (AUDIT_VERIFY_KEYS entry of this AUDIT_SIGNING_KEY: give it to the API instead of the private key)',
    run: async () => {
      const { signer } = checkpointKeysFromConfig(loadConfig());
      if (!signer) throw new Error('AUDIT_SIGNING_KEY is not set');
      out(`${signer.keyId}:${rawPublicKey(signer.privateKey).toString('base64')}`);
    },
  },
  'audit:findings': {
    usage: '[--json]   (recorded findings, newest first)',
    run: async (ctx, a) => {
      const items = await listFindings(ctx.db, { limit: 200 });
      await ctx.audit.append({ actor: operator(), action: 'audit.findings.read', purpose: PURPOSE, outcome: 'ok',
        detail: { items: items.length, via: 'admin' } });
      if (a.json) return out(JSON.stringify({ items }));
      if (items.length === 0) out('no findings');
      items.forEach((f) => out(`#${f.seq} ${f.recordedAt}\t${describe(f)}`));
    },
  },
};
