import { z } from 'zod';

/*
 * EC2 identifiers as Eucalyptus and Nova Bexar write them.
 *
 * - Eucalyptus 2.0–3.x: `prefix-` + 8 upper-case hex digits (`%08X`).
 * - Eucalyptus 4.x: 8 or 17 hex digits, canonicalised to lower case.
 * - Nova Bexar: `prefix-` + `%08x` of an int4 primary key (lower case), and it parses the hex after
 *   the last `-` case-insensitively.
 *
 * Everything here treats its input as untrusted: an id is checked character by character before
 * anything else happens to it, so a value that passes can be used in a path or a query.
 */

export const EC2_ID_PREFIXES = [
  'i',
  'r',
  'vol',
  'snap',
  'emi',
  'eki',
  'eri',
  'ami',
  'aki',
  'ari',
] as const;
export type Ec2IdPrefix = (typeof EC2_ID_PREFIXES)[number];

export const EC2_RESOURCE_KINDS = [
  'instance',
  'reservation',
  'volume',
  'snapshot',
  'machine-image',
  'kernel-image',
  'ramdisk-image',
] as const;
export type Ec2ResourceKind = (typeof EC2_RESOURCE_KINDS)[number];

export const EUCALYPTUS_IMAGE_PREFIXES = ['emi', 'eki', 'eri'] as const;
export type EucalyptusImagePrefix = (typeof EUCALYPTUS_IMAGE_PREFIXES)[number];
export const NOVA_IMAGE_PREFIXES = ['ami', 'aki', 'ari'] as const;
export type NovaImagePrefix = (typeof NOVA_IMAGE_PREFIXES)[number];
export type ImagePrefix = EucalyptusImagePrefix | NovaImagePrefix;

const KIND_OF_PREFIX: Readonly<Record<Ec2IdPrefix, Ec2ResourceKind>> = {
  i: 'instance',
  r: 'reservation',
  vol: 'volume',
  snap: 'snapshot',
  emi: 'machine-image',
  ami: 'machine-image',
  eki: 'kernel-image',
  aki: 'kernel-image',
  eri: 'ramdisk-image',
  ari: 'ramdisk-image',
};

const NOVA_PREFIX_OF: Readonly<Record<EucalyptusImagePrefix, NovaImagePrefix>> = {
  emi: 'ami',
  eki: 'aki',
  eri: 'ari',
};
const EUCALYPTUS_PREFIX_OF: Readonly<Record<NovaImagePrefix, EucalyptusImagePrefix>> = {
  ami: 'emi',
  aki: 'eki',
  ari: 'eri',
};

/** Which EC2 resource kind an id prefix names. */
export function kindOfPrefix(prefix: Ec2IdPrefix): Ec2ResourceKind {
  return KIND_OF_PREFIX[prefix];
}

/** The prefixes that name a kind, Eucalyptus spelling first for images. */
export function prefixesOfKind(kind: Ec2ResourceKind): readonly Ec2IdPrefix[] {
  return EC2_ID_PREFIXES.filter((p) => KIND_OF_PREFIX[p] === kind);
}

export function isEc2IdPrefix(value: string): value is Ec2IdPrefix {
  return (EC2_ID_PREFIXES as readonly string[]).includes(value);
}

export function isEucalyptusImagePrefix(prefix: string): prefix is EucalyptusImagePrefix {
  return (EUCALYPTUS_IMAGE_PREFIXES as readonly string[]).includes(prefix);
}

export function isNovaImagePrefix(prefix: string): prefix is NovaImagePrefix {
  return (NOVA_IMAGE_PREFIXES as readonly string[]).includes(prefix);
}

/** emi -> ami, eki -> aki, eri -> ari. */
export function toNovaImagePrefix(prefix: EucalyptusImagePrefix): NovaImagePrefix {
  return NOVA_PREFIX_OF[prefix];
}

/** ami -> emi, aki -> eki, ari -> eri. */
export function toEucalyptusImagePrefix(prefix: NovaImagePrefix): EucalyptusImagePrefix {
  return EUCALYPTUS_PREFIX_OF[prefix];
}

// ---------------------------------------------------------------------------------------------
// Errors

export type Ec2IdErrorCode =
  | 'NOT_A_STRING'
  | 'EMPTY'
  | 'TOO_LONG'
  | 'WHITESPACE'
  | 'FORBIDDEN_CHARACTER'
  | 'MISSING_SEPARATOR'
  | 'UNKNOWN_PREFIX'
  | 'WRONG_PREFIX'
  | 'WRONG_KIND'
  | 'NOT_HEX'
  | 'BAD_LENGTH'
  | 'VALUE_OUT_OF_RANGE';

/** Longer input is refused before it is looked at; the longest valid id (`snap-` + 17) is 22. */
export const EC2_ID_MAX_INPUT_LENGTH = 64;
const MESSAGE_INPUT_MAX = 40;
const STORED_INPUT_MAX = 128;

/**
 * Render untrusted text for a message: at most `max` characters, quoted, with everything outside
 * printable ASCII escaped, so a hostile id cannot forge log lines or terminal escapes.
 */
export function describeUntrustedText(text: string, max = MESSAGE_INPUT_MAX): string {
  const chars = Array.from(text);
  const shown = chars.slice(0, max);
  let out = '';
  for (const ch of shown) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0x20 && cp <= 0x7e) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\u{${cp.toString(16)}}`;
  }
  const more = chars.length > max ? `… (${chars.length} characters)` : '';
  return `"${out}"${more}`;
}

function describeUnknown(value: unknown): string {
  if (typeof value === 'string') return describeUntrustedText(value);
  if (value === null) return 'null';
  return `a value of type ${typeof value}`;
}

export class Ec2IdError extends Error {
  override readonly name = 'Ec2IdError';
  readonly code: Ec2IdErrorCode;
  /** The offending input, cut to 128 characters (or a type description if it was no string). */
  readonly input: string;

  constructor(code: Ec2IdErrorCode, input: unknown, detail: string) {
    super(`Invalid EC2 id ${describeUnknown(input)}: ${detail} [${code}]`);
    this.code = code;
    this.input =
      typeof input === 'string'
        ? Array.from(input).slice(0, STORED_INPUT_MAX).join('')
        : describeUnknown(input);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsed ids

/** Letters seen in the hex part; `none` when it is all digits, so either case formats it back. */
export type HexCaseSeen = 'lower' | 'upper' | 'mixed' | 'none';
export type HexCase = 'lower' | 'upper';

/**
 * 8-digit ids (every Eucalyptus version, and Nova) fit a JS number exactly; 17-digit ids
 * (Eucalyptus 4.x) reach 16^17 - 1 and need a bigint. The width is the discriminant, so code
 * cannot mix the two by accident.
 */
export type Ec2IdValue =
  { readonly width: 8; readonly value: number } | { readonly width: 17; readonly value: bigint };

export type Ec2Id = Ec2IdValue & {
  readonly prefix: Ec2IdPrefix;
  readonly kind: Ec2ResourceKind;
  /** The hex digits in lower case, without the prefix. */
  readonly hex: string;
  readonly caseSeen: HexCaseSeen;
};

export const SHORT_ID_MAX = 0xffffffff;
export const LONG_ID_MAX = 16n ** 17n - 1n;
/** Bexar stores instances.id / volumes.id as int4 SERIAL (nova-bexar.md §1.2, §7 item 3). */
export const NOVA_MAX_INTEGER_ID = 2147483647;
export const NOVA_MIN_INTEGER_ID = 1;

export interface ParseEc2IdOptions {
  /** Accept only ids of this kind (`WRONG_KIND` otherwise). */
  readonly kind?: Ec2ResourceKind;
  /** Accept only these prefixes (`WRONG_PREFIX` otherwise). */
  readonly prefixes?: readonly Ec2IdPrefix[];
}

export type Ec2IdParseResult =
  { readonly ok: true; readonly id: Ec2Id } | { readonly ok: false; readonly error: Ec2IdError };

const ID_CHARSET = /^[A-Za-z0-9-]+$/;
const WHITESPACE = /\s/u;
const HEX = /^[0-9a-fA-F]+$/;

/** Parse an EC2 id without throwing. */
export function tryParseEc2Id(input: unknown, options: ParseEc2IdOptions = {}): Ec2IdParseResult {
  const fail = (code: Ec2IdErrorCode, detail: string): Ec2IdParseResult => ({
    ok: false,
    error: new Ec2IdError(code, input, detail),
  });
  if (typeof input !== 'string') return fail('NOT_A_STRING', 'an id must be a string');
  if (input.length === 0) return fail('EMPTY', 'the id is empty');
  if (input.length > EC2_ID_MAX_INPUT_LENGTH) {
    return fail('TOO_LONG', `longer than ${EC2_ID_MAX_INPUT_LENGTH} characters`);
  }
  if (WHITESPACE.test(input)) return fail('WHITESPACE', 'the id contains whitespace');
  if (!ID_CHARSET.test(input)) {
    return fail('FORBIDDEN_CHARACTER', 'only letters, digits and one "-" are allowed');
  }
  const dash = input.indexOf('-');
  if (dash < 0) return fail('MISSING_SEPARATOR', 'expected "<prefix>-<hex>"');
  const prefix = input.slice(0, dash);
  const body = input.slice(dash + 1);
  if (!isEc2IdPrefix(prefix)) {
    return fail('UNKNOWN_PREFIX', `prefix must be one of ${EC2_ID_PREFIXES.join(', ')}`);
  }
  const kind = KIND_OF_PREFIX[prefix];
  if (options.kind !== undefined && options.kind !== kind) {
    return fail('WRONG_KIND', `expected a ${options.kind} id, got a ${kind} id`);
  }
  if (options.prefixes !== undefined && !options.prefixes.includes(prefix)) {
    return fail('WRONG_PREFIX', `expected prefix ${options.prefixes.join(' or ')}`);
  }
  if (!HEX.test(body)) return fail('NOT_HEX', 'the part after the prefix must be hex digits');
  if (body.length !== 8 && body.length !== 17) {
    return fail('BAD_LENGTH', `expected 8 or 17 hex digits, got ${body.length}`);
  }
  const hasLower = /[a-f]/.test(body);
  const hasUpper = /[A-F]/.test(body);
  const caseSeen: HexCaseSeen =
    hasLower && hasUpper ? 'mixed' : hasLower ? 'lower' : hasUpper ? 'upper' : 'none';
  const hex = body.toLowerCase();
  const common = { prefix, kind, hex, caseSeen };
  const id: Ec2Id =
    body.length === 8
      ? { ...common, width: 8, value: Number.parseInt(hex, 16) }
      : { ...common, width: 17, value: BigInt(`0x${hex}`) };
  return { ok: true, id };
}

/** Parse an EC2 id; throws `Ec2IdError`. Hex is read case-insensitively, the prefix must be lower case. */
export function parseEc2Id(input: unknown, options: ParseEc2IdOptions = {}): Ec2Id {
  const result = tryParseEc2Id(input, options);
  if (!result.ok) throw result.error;
  return result.id;
}

/** A plain-string view of an id of a kind, for type guards; validation is `isEc2Id`'s job. */
export type Ec2IdText<K extends Ec2ResourceKind = Ec2ResourceKind> = K extends 'instance'
  ? `i-${string}`
  : K extends 'reservation'
    ? `r-${string}`
    : K extends 'volume'
      ? `vol-${string}`
      : K extends 'snapshot'
        ? `snap-${string}`
        : K extends 'machine-image'
          ? `emi-${string}` | `ami-${string}`
          : K extends 'kernel-image'
            ? `eki-${string}` | `aki-${string}`
            : `eri-${string}` | `ari-${string}`;

/** Type guard: `value` is a valid EC2 id (of `kind`, if given). */
export function isEc2Id<K extends Ec2ResourceKind = Ec2ResourceKind>(
  value: unknown,
  kind?: K,
): value is Ec2IdText<K> {
  return tryParseEc2Id(value, kind === undefined ? {} : { kind }).ok;
}

// ---------------------------------------------------------------------------------------------
// Hex <-> integer, formatting

function assertValue(v: Ec2IdValue): void {
  if (v.width === 8) {
    if (!Number.isSafeInteger(v.value) || v.value < 0 || v.value > SHORT_ID_MAX) {
      throw new Ec2IdError(
        'VALUE_OUT_OF_RANGE',
        String(v.value),
        'an 8-digit id value must be an integer in 0..0xffffffff',
      );
    }
  } else if (v.value < 0n || v.value > LONG_ID_MAX) {
    throw new Ec2IdError(
      'VALUE_OUT_OF_RANGE',
      v.value.toString(),
      'a 17-digit id value must be in 0..16^17-1',
    );
  }
}

/** The hex digits of an id value, zero-padded to its width, in the given case. */
export function valueToHex(v: Ec2IdValue, hexCase: HexCase = 'lower'): string {
  assertValue(v);
  const hex = v.value.toString(16).padStart(v.width, '0');
  return hexCase === 'upper' ? hex.toUpperCase() : hex;
}

/** Parse 8 or 17 hex digits (any case) into a typed value; throws `Ec2IdError`. */
export function hexToValue(hex: string): Ec2IdValue {
  if (!HEX.test(hex)) throw new Ec2IdError('NOT_HEX', hex, 'expected hex digits');
  if (hex.length === 8) return { width: 8, value: Number.parseInt(hex, 16) };
  if (hex.length === 17) return { width: 17, value: BigInt(`0x${hex}`) };
  throw new Ec2IdError('BAD_LENGTH', hex, `expected 8 or 17 hex digits, got ${hex.length}`);
}

/** Format `prefix-hex` with an explicit case: Eucalyptus 2.0–3.x wrote upper, 4.x and Nova lower. */
export function formatEc2Id(
  id: Ec2IdValue & { readonly prefix: Ec2IdPrefix },
  hexCase: HexCase,
): string {
  return `${id.prefix}-${valueToHex(id, hexCase)}`;
}

/** Format a parsed id back in the case it was seen in (`none` -> lower; `mixed` -> lower). */
export function formatAsSeen(id: Ec2Id): string {
  return formatEc2Id(id, id.caseSeen === 'upper' ? 'upper' : 'lower');
}

/** The value as a bigint, whatever the width, for code that only compares or sorts. */
export function ec2IdValueAsBigInt(v: Ec2IdValue): bigint {
  return v.width === 8 ? BigInt(v.value) : v.value;
}

/** Whether an integer fits a Bexar int4 SERIAL primary key (1..2147483647). */
export function fitsNovaInteger(value: number | bigint): boolean {
  if (typeof value === 'bigint') {
    return value >= BigInt(NOVA_MIN_INTEGER_ID) && value <= BigInt(NOVA_MAX_INTEGER_ID);
  }
  return Number.isInteger(value) && value >= NOVA_MIN_INTEGER_ID && value <= NOVA_MAX_INTEGER_ID;
}

export type NovaIntegerIdResult =
  | { readonly ok: true; readonly value: number }
  | {
      readonly ok: false;
      /**
       * `long-form`: Nova renders ids as `%08x`, so a 17-digit id never comes back as the same
       * string, whatever its value. `out-of-range`: the value is 0 or above 2^31-1.
       */
      readonly reason: 'long-form' | 'out-of-range';
    };

/**
 * The Nova integer id that Bexar would render back as this id (`i-3F9E0678` -> 1067320952,
 * rendered `i-3f9e0678`), or why there is none.
 */
export function novaIntegerIdOf(id: Ec2IdValue): NovaIntegerIdResult {
  if (id.width === 17) return { ok: false, reason: 'long-form' };
  return fitsNovaInteger(id.value)
    ? { ok: true, value: id.value }
    : { ok: false, reason: 'out-of-range' };
}

/** Nova's `id_to_ec2_id`: `prefix-%08x` of an integer id. */
export function novaEc2IdFromInteger(prefix: Ec2IdPrefix, value: number): string {
  if (!fitsNovaInteger(value)) {
    throw new Ec2IdError('VALUE_OUT_OF_RANGE', String(value), 'not a Nova integer id (1..2^31-1)');
  }
  return formatEc2Id({ prefix, width: 8, value }, 'lower');
}

// ---------------------------------------------------------------------------------------------
// Image prefix mapping

/** emi-/eki-/eri- -> ami-/aki-/ari- with the same hex, width and case. Nova prefixes pass through. */
export function toNovaImageId(input: string): string {
  const id = parseEc2Id(input, {
    prefixes: [...EUCALYPTUS_IMAGE_PREFIXES, ...NOVA_IMAGE_PREFIXES],
  });
  const prefix = isEucalyptusImagePrefix(id.prefix) ? toNovaImagePrefix(id.prefix) : id.prefix;
  return `${prefix}${input.slice(input.indexOf('-'))}`;
}

/** ami-/aki-/ari- -> emi-/eki-/eri- with the same hex, width and case. Eucalyptus prefixes pass through. */
export function toEucalyptusImageId(input: string): string {
  const id = parseEc2Id(input, {
    prefixes: [...EUCALYPTUS_IMAGE_PREFIXES, ...NOVA_IMAGE_PREFIXES],
  });
  const prefix = isNovaImagePrefix(id.prefix) ? toEucalyptusImagePrefix(id.prefix) : id.prefix;
  return `${prefix}${input.slice(input.indexOf('-'))}`;
}

// ---------------------------------------------------------------------------------------------
// zod

/**
 * A zod schema for a valid EC2 id string. Each failure is one issue whose message is the
 * `Ec2IdError` message and whose `params.ec2IdErrorCode` is its code. The output is the input
 * string unchanged (ids keep their case in the inventory).
 */
export function ec2IdSchema(options: ParseEc2IdOptions = {}): z.ZodString {
  return z.string().check((ctx) => {
    const result = tryParseEc2Id(ctx.value, options);
    if (!result.ok) {
      ctx.issues.push({
        code: 'custom',
        message: result.error.message,
        input: ctx.value,
        params: { ec2IdErrorCode: result.error.code },
      });
    }
  });
}

export const AnyEc2IdSchema = ec2IdSchema();
export const InstanceIdSchema = ec2IdSchema({ kind: 'instance' });
export const ReservationIdSchema = ec2IdSchema({ kind: 'reservation' });
export const VolumeIdSchema = ec2IdSchema({ kind: 'volume' });
export const SnapshotIdSchema = ec2IdSchema({ kind: 'snapshot' });
/** Any image id, Eucalyptus (emi/eki/eri) or Nova (ami/aki/ari) spelling. */
export const ImageIdSchema = ec2IdSchema({
  prefixes: [...EUCALYPTUS_IMAGE_PREFIXES, ...NOVA_IMAGE_PREFIXES],
});
/** Image ids as Eucalyptus writes them: never ami-/aki-/ari- (eucalyptus.md §0 item 5). */
export const EucalyptusImageIdSchema = ec2IdSchema({ prefixes: EUCALYPTUS_IMAGE_PREFIXES });
export const EucalyptusMachineImageIdSchema = ec2IdSchema({ prefixes: ['emi'] });
export const EucalyptusKernelImageIdSchema = ec2IdSchema({ prefixes: ['eki'] });
export const EucalyptusRamdiskImageIdSchema = ec2IdSchema({ prefixes: ['eri'] });
