import { z } from 'zod';

/** ISO-8601 date-time with `Z` or an offset, as the EC2 API and our own clocks write it. */
export const TimestampSchema = z.iso.datetime({ offset: true });
export type Timestamp = z.infer<typeof TimestampSchema>;

export const UuidSchema = z.uuid();

export const Ipv4Schema = z.ipv4();
export const Cidrv4Schema = z.cidrv4();
export const MacAddressSchema = z.mac();

/** Non-negative safe integer (counts, sizes, bytes). */
export const CountSchema = z.int().nonnegative();

// Control characters in names from the source cloud would end up in logs, SQL and file names.
function hasControlCharacter(s: string, allowTabAndNewline: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (allowTabAndNewline && (c === 0x09 || c === 0x0a || c === 0x0d)) continue;
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Text from the source cloud shown to people or written to a Nova VARCHAR(255): bounded length,
 * no control characters.
 */
export function textSchema(max = 255, min = 0): z.ZodString {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((s) => !hasControlCharacter(s, false), {
      message: 'must not contain control characters',
    });
}

/**
 * Multi-line free text (messages, remedies, descriptions): newlines and tabs allowed, other
 * control characters not.
 */
export function proseSchema(max = 4000, min = 1): z.ZodString {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((s) => !hasControlCharacter(s, true), {
      message: 'must not contain control characters other than tab and newline',
    });
}

/**
 * Eucalyptus user names: 2.0 `auth_user_name`, Euare `UserName` (`[\w+=,.@-]`, IAM rules).
 * They become Nova `users.id` / `projects.id`, so nothing else is let through.
 */
export const UserNameSchema = z.string().regex(/^[A-Za-z0-9_+=,.@-]{1,64}$/, {
  message: 'user name must be 1-64 of letters, digits and _+=,.@-',
});

/** Euare account names; the system accounts are spelled `(eucalyptus)<name>` (eucalyptus.md §1.3). */
export const AccountNameSchema = z.string().regex(/^(?:\(eucalyptus\))?[A-Za-z0-9_.@+=-]{1,63}$/, {
  message: 'account name must be letters, digits and _.@+=- (optionally after "(eucalyptus)")',
});

/** 12 digits: a 3-digit region partition then 9 random digits (eucalyptus.md §1.5). */
export const AccountNumberSchema = z.string().regex(/^\d{12}$/, {
  message: 'account number must be 12 digits',
});

/**
 * Who owns a resource. 2.0 reports a user name in every owner field; 3.x/4.x report the
 * 12-digit account number, and the user only comes from the database or impersonation
 * (eucalyptus.md §1.4, §1.5). At least one of the three must be known.
 */
export const OwnerSchema = z
  .strictObject({
    userName: UserNameSchema.optional(),
    accountNumber: AccountNumberSchema.optional(),
    accountName: AccountNameSchema.optional(),
  })
  .refine(
    (o) => o.userName !== undefined || o.accountNumber !== undefined || o.accountName !== undefined,
    { message: 'an owner needs a user name, an account number or an account name' },
  );
export type Owner = z.infer<typeof OwnerSchema>;

/** Kinds of things a plan creates, a report counts and a selection picks. */
export const RESOURCE_KINDS = [
  'user',
  'keyPair',
  'securityGroup',
  'network',
  'address',
  'image',
  'volume',
  'snapshot',
  'instance',
] as const;
export const ResourceKindSchema = z.enum(RESOURCE_KINDS);
export type ResourceKind = z.infer<typeof ResourceKindSchema>;

/** Key pair names, security group names: up to 255 printable characters. */
export const ResourceNameSchema = textSchema(255, 1);

/** A URL with http(s) and no user:password part, so it can be shown and stored anywhere. */
export const EndpointUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine(
    (u) => {
      try {
        const parsed = new URL(u);
        return parsed.username === '' && parsed.password === '';
      } catch {
        return false;
      }
    },
    { message: 'an endpoint URL must not carry credentials' },
  );

export const ErrorInfoSchema = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  message: proseSchema(2000),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;
