import type { Finding } from '@euca2nova/model';

export type PlanErrorCode =
  | 'blocked'
  | 'unacknowledged'
  | 'unknown-finding'
  | 'stale-confirmation'
  | 'no-images-path'
  | 'no-target'
  | 'no-source'
  /** The selection picks items the inventory does not have, or a network. */
  | 'unknown-items';

export class PlanError extends Error {
  override readonly name: string = 'PlanError';
  readonly code: PlanErrorCode;
  constructor(code: PlanErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The plan may not run: errors (`blocked`) or warnings nobody acknowledged (`unacknowledged`). */
export class PlanBlockedError extends PlanError {
  override readonly name: string = 'PlanBlockedError';
  readonly findings: readonly Finding[];
  constructor(code: 'blocked' | 'unacknowledged', findings: readonly Finding[]) {
    const list = findings
      .slice(0, 5)
      .map((f) => `${f.ruleId} (${f.affectedIds.slice(0, 3).join(', ')})`)
      .join('; ');
    super(
      code,
      code === 'blocked'
        ? `The plan has ${String(findings.length)} error(s) that block the run: ${list}${findings.length > 5 ? ' …' : ''}.`
        : `The plan has ${String(findings.length)} warning(s) that need an explicit acknowledgement first: ${list}${findings.length > 5 ? ' …' : ''}.`,
    );
    this.findings = findings;
  }
}
