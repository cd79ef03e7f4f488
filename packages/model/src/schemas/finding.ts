import { z } from 'zod';
import { proseSchema, textSchema } from './common.ts';

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

/** Dotted lower-case rule ids, e.g. `user.secret-key-missing`, `instance.id-over-int32`. */
export const FindingRuleIdSchema = z.string().regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, {
  message: 'rule id must be lower-case words joined by "." or "-"',
});

/**
 * One thing the operator should know. Errors block a plan, warnings inform. Affected ids are
 * whatever names the items (EC2 ids, user names, IPs, `user/keyName`); they are display text,
 * not validated ids, because a finding often exists precisely because an id was malformed.
 */
export const FindingSchema = z.strictObject({
  ruleId: FindingRuleIdSchema,
  severity: SeveritySchema,
  message: proseSchema(4000),
  affectedIds: z.array(textSchema(255)).max(10_000),
  /** What the operator can do about it. */
  remedy: proseSchema(4000),
  acknowledged: z.boolean().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;
