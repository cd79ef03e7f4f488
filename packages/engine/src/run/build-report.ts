import {
  JOB_PHASES,
  RESOURCE_KINDS,
  ReportSchema,
  type Finding,
  type JobPhase,
  type Report,
  type ReportCounts,
  type ResolvedFinding,
  type Verification,
} from '@euca2nova/model';
import type { JobContext } from './context.ts';
import { PHASE_OF_KIND } from './context.ts';
import type { StepResult, StepStatus } from '@euca2nova/model';

/** A journal row, or a step about to be one. */
export interface StepLike {
  readonly phase: string;
  readonly item: string;
  readonly status: StepStatus;
  readonly result?: StepResult | null | undefined;
}

function databaseOf(url: string): { host: string; port: number; name: string } {
  const u = new URL(url);
  const hostParam = u.searchParams.get('host');
  return {
    // Socket-directory URLs (postgresql:///nova?host=/run/postgresql) name no host in the authority.
    host: (u.hostname || hostParam || 'localhost').slice(0, 255),
    port: u.port === '' ? 5432 : Number(u.port),
    name: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
  };
}

function resolution(f: Finding): ResolvedFinding {
  if (f.severity === 'warning' && f.acknowledged === true)
    return {
      finding: f,
      resolution: 'acknowledged',
      note: 'Acknowledged by the operator before the run.',
    };
  if (f.severity === 'info') return { finding: f, resolution: 'acknowledged' };
  return { finding: f, resolution: 'unresolved' };
}

export interface BuildReportInput {
  readonly ctx: JobContext;
  readonly steps: readonly StepLike[];
  readonly verification: Verification;
  readonly outcome: Report['outcome'];
  /** Findings that came up while running (writers, transfers), besides the plan's. */
  readonly runFindings?: readonly Finding[];
  readonly generatedAt?: Date;
}

/**
 * The canonical report from the plan, the journal and the verification. Parsed by the strict
 * schema before it is returned, so a secret that slipped into any field fails here, loudly.
 */
export function buildReport(input: BuildReportInput): Report {
  const { ctx, steps } = input;
  const stepOf = new Map(steps.map((s) => [`${s.phase}\u0000${s.item}`, s]));
  const counts = Object.fromEntries(
    RESOURCE_KINDS.map((k) => [
      k,
      { created: 0, skipped: 0, conflict: 0, failed: 0, unsupported: 0 },
    ]),
  ) as ReportCounts;
  const idMap: Report['idMap'] = [];
  for (const item of ctx.plan.items) {
    const c = counts[item.kind];
    if (item.action === 'conflict') c.conflict++;
    else if (item.action === 'unsupported') c.unsupported++;
    else {
      const phase = PHASE_OF_KIND[item.kind];
      const step = phase === undefined ? undefined : stepOf.get(`${phase}\u0000${item.sourceId}`);
      if (step?.status === 'failed') c.failed++;
      else if (step?.status !== 'done') continue;
      else if (
        (step.result?.action ?? (item.action === 'create' ? 'created' : 'skipped-identical')) ===
        'created'
      )
        c.created++;
      else c.skipped++;
      if (item.targetId !== undefined)
        idMap.push({
          kind: item.kind,
          sourceId: item.sourceId,
          targetId: item.targetId,
          ...(item.owner === undefined ? {} : { owner: item.owner }),
        });
    }
  }
  const images: Report['images'] = steps
    .filter((s) => s.phase === 'images' && s.item !== '' && s.status === 'done')
    .flatMap((s) =>
      s.result?.sha256 === undefined || s.result.targetId === undefined
        ? []
        : [
            {
              sourceImageId: s.item,
              targetImageId: s.result.targetId,
              bytes: s.result.bytes ?? 0,
              sha256: s.result.sha256,
            },
          ],
    );
  const timings: Report['timings'] = steps
    .filter(
      (s) =>
        s.item === '' &&
        (JOB_PHASES as readonly string[]).includes(s.phase) &&
        s.result?.startedAt !== undefined &&
        s.result.finishedAt !== undefined,
    )
    .map((s) => {
      const startedAt = s.result?.startedAt as string;
      const finishedAt = s.result?.finishedAt as string;
      return {
        phase: s.phase as JobPhase,
        startedAt,
        finishedAt,
        durationMs: Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)),
      };
    })
    .sort((a, b) => JOB_PHASES.indexOf(a.phase) - JOB_PHASES.indexOf(b.phase));
  const seen = new Set<string>();
  const findings = [...ctx.plan.findings, ...(input.runFindings ?? [])]
    .filter((f) => {
      const key = `${f.ruleId}\u0000${f.affectedIds.join(',')}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(resolution);
  return ReportSchema.parse({
    reportVersion: 1,
    jobId: ctx.job.id,
    planId: ctx.plan.id,
    inventoryId: ctx.plan.inventoryId,
    planFingerprint: ctx.plan.fingerprint,
    generatedAt: (input.generatedAt ?? new Date()).toISOString(),
    outcome: input.outcome,
    source: ctx.inventory.metadata.source,
    target: {
      novaRelease: '2011.1',
      database: databaseOf(ctx.novaDb),
      imagesPath: ctx.spec.imagesPath,
    },
    selection: ctx.plan.selection,
    idMap,
    counts,
    findings,
    images,
    timings,
    verification: input.verification,
    novaConf: ctx.input.network.flags,
  });
}
