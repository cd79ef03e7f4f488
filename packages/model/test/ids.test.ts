import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  EC2_ID_PREFIXES,
  EUCALYPTUS_IMAGE_PREFIXES,
  Ec2IdError,
  type Ec2IdErrorCode,
  type Ec2IdPrefix,
  InstanceIdSchema,
  LONG_ID_MAX,
  NOVA_IMAGE_PREFIXES,
  NOVA_MAX_INTEGER_ID,
  SHORT_ID_MAX,
  describeUntrustedText,
  ec2IdSchema,
  ec2IdValueAsBigInt,
  fitsNovaInteger,
  formatAsSeen,
  formatEc2Id,
  hexToValue,
  isEc2Id,
  kindOfPrefix,
  novaEc2IdFromInteger,
  novaIntegerIdOf,
  parseEc2Id,
  prefixesOfKind,
  toEucalyptusImageId,
  toEucalyptusImagePrefix,
  toNovaImageId,
  toNovaImagePrefix,
  tryParseEc2Id,
  valueToHex,
} from '../src/index.ts';

const prefixArb = fc.constantFrom(...EC2_ID_PREFIXES);
const widthArb = fc.constantFrom(8 as const, 17 as const);
const hexDigits = (n: number, upper: boolean): fc.Arbitrary<string> =>
  fc
    .array(fc.constantFrom(...(upper ? '0123456789ABCDEF' : '0123456789abcdef').split('')), {
      minLength: n,
      maxLength: n,
    })
    .map((a) => a.join(''));
/** A valid id written in one case, as Eucalyptus (upper, 8) or 4.x/Nova (lower) would. */
const validIdArb = fc
  .record({ prefix: prefixArb, width: widthArb, upper: fc.boolean() })
  .chain(({ prefix, width, upper }) =>
    hexDigits(width, upper).map((hex) => ({ prefix, width, upper, text: `${prefix}-${hex}` })),
  );

describe('parse and format round trips', () => {
  fcTest.prop([validIdArb])(
    'format(parse(x)) === x for both cases and widths',
    ({ text, upper }) => {
      const id = parseEc2Id(text);
      expect(formatAsSeen(id)).toBe(text);
      expect(formatEc2Id(id, upper ? 'upper' : 'lower')).toBe(text);
    },
  );

  fcTest.prop([validIdArb])(
    'reports the case it saw and the kind of the prefix',
    ({ text, prefix, width }) => {
      const id = parseEc2Id(text);
      const body = text.slice(text.indexOf('-') + 1);
      const expected = /[A-F]/.test(body) ? 'upper' : /[a-f]/.test(body) ? 'lower' : 'none';
      expect(id.caseSeen).toBe(expected);
      expect(id.prefix).toBe(prefix);
      expect(id.width).toBe(width);
      expect(id.kind).toBe(kindOfPrefix(prefix));
      expect(id.hex).toBe(body.toLowerCase());
    },
  );

  fcTest.prop([prefixArb, fc.integer({ min: 0, max: SHORT_ID_MAX }), fc.boolean()])(
    'parse(format(prefix, n)) === n over the full 32-bit range',
    (prefix, value, upper) => {
      const text = formatEc2Id({ prefix, width: 8, value }, upper ? 'upper' : 'lower');
      const id = parseEc2Id(text);
      expect(id.width).toBe(8);
      expect(id.value).toBe(value);
      expect(text).toHaveLength(prefix.length + 1 + 8);
    },
  );

  fcTest.prop([prefixArb, fc.bigInt({ min: 0n, max: LONG_ID_MAX }), fc.boolean()])(
    'parse(format(prefix, n)) === n over the full 17-digit range',
    (prefix, value, upper) => {
      const text = formatEc2Id({ prefix, width: 17, value }, upper ? 'upper' : 'lower');
      const id = parseEc2Id(text);
      expect(id.width).toBe(17);
      expect(id.value).toBe(value);
    },
  );

  it('parses the captured 2.0 ids exactly (eucalyptus.md §7.1, nova-bexar.md §2.1)', () => {
    const id = parseEc2Id('i-3F9E0678');
    expect(id).toMatchObject({
      prefix: 'i',
      kind: 'instance',
      width: 8,
      value: 1067320952,
      caseSeen: 'upper',
    });
    expect(parseEc2Id('emi-938D136D').kind).toBe('machine-image');
    expect(parseEc2Id('r-4CF809C2').kind).toBe('reservation');
    const long = parseEc2Id('i-0123456789abcdef0');
    expect(long).toMatchObject({ width: 17, value: 0x123456789abcdef0n, caseSeen: 'lower' });
  });
});

describe('hex <-> integer', () => {
  fcTest.prop([fc.integer({ min: 0, max: SHORT_ID_MAX })])(
    '8 digits, every 32-bit value',
    (value) => {
      const hex = valueToHex({ width: 8, value });
      expect(hex).toMatch(/^[0-9a-f]{8}$/);
      expect(Number.parseInt(hex, 16)).toBe(value);
      expect(hexToValue(hex)).toEqual({ width: 8, value });
      expect(hexToValue(hex.toUpperCase())).toEqual({ width: 8, value });
    },
  );

  fcTest.prop([fc.bigInt({ min: 0n, max: LONG_ID_MAX })])('17 digits, every value', (value) => {
    const hex = valueToHex({ width: 17, value }, 'upper');
    expect(hex).toMatch(/^[0-9A-F]{17}$/);
    expect(BigInt(`0x${hex}`)).toBe(value);
    expect(hexToValue(hex)).toEqual({ width: 17, value });
    expect(ec2IdValueAsBigInt({ width: 17, value })).toBe(value);
  });

  it('keeps the extremes exact', () => {
    expect(valueToHex({ width: 8, value: SHORT_ID_MAX })).toBe('ffffffff');
    expect(valueToHex({ width: 17, value: LONG_ID_MAX })).toBe('f'.repeat(17));
    expect(valueToHex({ width: 17, value: 0n })).toBe('0'.repeat(17));
    expect(ec2IdValueAsBigInt({ width: 8, value: SHORT_ID_MAX })).toBe(0xffffffffn);
  });

  it.each([
    ['negative', { width: 8, value: -1 }],
    ['over 32 bits', { width: 8, value: SHORT_ID_MAX + 1 }],
    ['fractional', { width: 8, value: 1.5 }],
    ['over 17 digits', { width: 17, value: LONG_ID_MAX + 1n }],
    ['negative bigint', { width: 17, value: -1n }],
  ] as const)('refuses a value out of range: %s', (_label, v) => {
    expect(() => valueToHex(v)).toThrow(expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }));
  });

  it('refuses hex of the wrong shape', () => {
    expect(() => hexToValue('123')).toThrow(expect.objectContaining({ code: 'BAD_LENGTH' }));
    expect(() => hexToValue('1234567g')).toThrow(expect.objectContaining({ code: 'NOT_HEX' }));
  });
});

describe('Nova integer ids', () => {
  it('fits only 1..2^31-1', () => {
    expect(fitsNovaInteger(NOVA_MAX_INTEGER_ID)).toBe(true);
    expect(fitsNovaInteger(NOVA_MAX_INTEGER_ID + 1)).toBe(false);
    expect(fitsNovaInteger(1)).toBe(true);
    expect(fitsNovaInteger(0)).toBe(false);
    expect(fitsNovaInteger(2147483647n)).toBe(true);
    expect(fitsNovaInteger(2147483648n)).toBe(false);
    expect(fitsNovaInteger(1.5)).toBe(false);
  });

  it('maps i-7FFFFFFF but not i-80000000, and never a 17-digit id', () => {
    expect(novaIntegerIdOf(parseEc2Id('i-7FFFFFFF'))).toEqual({ ok: true, value: 2147483647 });
    expect(novaIntegerIdOf(parseEc2Id('i-80000000'))).toEqual({
      ok: false,
      reason: 'out-of-range',
    });
    expect(novaIntegerIdOf(parseEc2Id('i-00000000'))).toEqual({
      ok: false,
      reason: 'out-of-range',
    });
    expect(novaIntegerIdOf(parseEc2Id('i-0000000000000000a'))).toEqual({
      ok: false,
      reason: 'long-form',
    });
  });

  fcTest.prop([
    fc.integer({ min: 1, max: NOVA_MAX_INTEGER_ID }),
    fc.constantFrom<Ec2IdPrefix>('i', 'vol', 'snap'),
  ])("novaEc2IdFromInteger is Nova's %08x and parses back", (n, prefix) => {
    const text = novaEc2IdFromInteger(prefix, n);
    expect(text).toBe(`${prefix}-${n.toString(16).padStart(8, '0')}`);
    const id = parseEc2Id(text);
    expect(novaIntegerIdOf(id)).toEqual({ ok: true, value: n });
  });

  it('upper-case Eucalyptus ids come back lower-case from Nova', () => {
    const id = parseEc2Id('i-3F9E0678');
    const nova = novaIntegerIdOf(id);
    expect(nova.ok && novaEc2IdFromInteger('i', nova.value)).toBe('i-3f9e0678');
    expect(() => novaEc2IdFromInteger('i', 0x80000000)).toThrow(Ec2IdError);
  });
});

describe('image prefixes', () => {
  it('maps emi/eki/eri to ami/aki/ari and back', () => {
    for (const p of EUCALYPTUS_IMAGE_PREFIXES)
      expect(toEucalyptusImagePrefix(toNovaImagePrefix(p))).toBe(p);
    for (const p of NOVA_IMAGE_PREFIXES)
      expect(toNovaImagePrefix(toEucalyptusImagePrefix(p))).toBe(p);
    expect(toNovaImageId('emi-938D136D')).toBe('ami-938D136D');
    expect(toNovaImageId('eki-e7641078')).toBe('aki-e7641078');
    expect(toNovaImageId('ari-1bf61154')).toBe('ari-1bf61154');
    expect(toEucalyptusImageId('ari-1BF61154')).toBe('eri-1BF61154');
  });

  const imageIdArb = fc
    .record({
      prefix: fc.constantFrom(...EUCALYPTUS_IMAGE_PREFIXES),
      width: widthArb,
      upper: fc.boolean(),
    })
    .chain(({ prefix, width, upper }) => hexDigits(width, upper).map((hex) => `${prefix}-${hex}`));

  fcTest.prop([imageIdArb])(
    'emi -> ami -> emi is the identity and keeps hex, kind and width',
    (text) => {
      const nova = toNovaImageId(text);
      expect(toEucalyptusImageId(nova)).toBe(text);
      const a = parseEc2Id(text);
      const b = parseEc2Id(nova);
      expect(b.prefix).toBe(
        toNovaImagePrefix(a.prefix as (typeof EUCALYPTUS_IMAGE_PREFIXES)[number]),
      );
      expect([b.kind, b.hex, b.width]).toEqual([a.kind, a.hex, a.width]);
    },
  );

  it('refuses to map a non-image id', () => {
    expect(() => toNovaImageId('i-4917082C')).toThrow(
      expect.objectContaining({ code: 'WRONG_PREFIX' }),
    );
  });

  it('lists the prefixes of a kind', () => {
    expect(prefixesOfKind('machine-image')).toEqual(['emi', 'ami']);
    expect(prefixesOfKind('volume')).toEqual(['vol']);
  });
});

describe('rejection', () => {
  const cases: [string, unknown, Ec2IdErrorCode][] = [
    ['empty', '', 'EMPTY'],
    ['not a string', 42, 'NOT_A_STRING'],
    ['null', null, 'NOT_A_STRING'],
    ['over-long', `i-${'a'.repeat(100)}`, 'TOO_LONG'],
    ['leading space', ' i-4917082C', 'WHITESPACE'],
    ['trailing newline', 'i-4917082C\n', 'WHITESPACE'],
    ['inner tab', 'i-4917\t082C', 'WHITESPACE'],
    ['path traversal', 'emi-../../x', 'FORBIDDEN_CHARACTER'],
    ['slash', 'emi-938D/36D', 'FORBIDDEN_CHARACTER'],
    ['NUL byte', 'i-4917082C\u0000', 'FORBIDDEN_CHARACTER'],
    ['unicode digit', 'i-４917082C', 'FORBIDDEN_CHARACTER'],
    ['no separator', 'i4917082C', 'MISSING_SEPARATOR'],
    ['unknown prefix', 'sg-4917082C', 'UNKNOWN_PREFIX'],
    ['upper-case prefix', 'I-4917082C', 'UNKNOWN_PREFIX'],
    ['empty prefix', '-4917082C', 'UNKNOWN_PREFIX'],
    ['non-hex', 'i-4917082G', 'NOT_HEX'],
    ['empty hex', 'i-', 'NOT_HEX'],
    ['second dash', 'i-4917-082C', 'NOT_HEX'],
    ['7 digits', 'i-4917082', 'BAD_LENGTH'],
    ['9 digits', 'i-4917082CA', 'BAD_LENGTH'],
    ['16 digits', 'i-0123456789abcdef', 'BAD_LENGTH'],
    ['18 digits', 'i-0123456789abcdef01', 'BAD_LENGTH'],
  ];

  it.each(cases)('%s -> %s', (_label, input, code) => {
    const r = tryParseEc2Id(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
    expect(() => parseEc2Id(input)).toThrow(Ec2IdError);
    expect(isEc2Id(input)).toBe(false);
  });

  it('checks the kind and the prefix list', () => {
    expect(tryParseEc2Id('vol-5A0E0610', { kind: 'instance' })).toMatchObject({
      ok: false,
      error: { code: 'WRONG_KIND' },
    });
    expect(tryParseEc2Id('ami-938D136D', { prefixes: ['emi'] })).toMatchObject({
      ok: false,
      error: { code: 'WRONG_PREFIX' },
    });
    expect(isEc2Id('i-4917082C', 'instance')).toBe(true);
    expect(isEc2Id('i-4917082C', 'volume')).toBe(false);
  });

  it('escapes and truncates the input in the message, and keeps a bounded copy', () => {
    const hostile = `emi-\u001b[31m${'x'.repeat(500)}`;
    const r = tryParseEc2Id(hostile.slice(0, 60));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message.includes('\u001b')).toBe(false);
    expect(r.error.message).toContain('\\u001b');
    expect(r.error.message).toContain('[FORBIDDEN_CHARACTER]');
    const long = tryParseEc2Id(hostile);
    expect(long.ok).toBe(false);
    if (long.ok) return;
    expect(long.error.code).toBe('TOO_LONG');
    expect(long.error.input).toHaveLength(128);
    expect(long.error.message.length).toBeLessThan(200);
    expect(long.error.name).toBe('Ec2IdError');
  });

  it('describeUntrustedText escapes quotes, backslashes and non-ASCII', () => {
    expect(describeUntrustedText('a"b\\c\u202ed😀')).toBe('"a\\"b\\\\c\\u202ed\\u{1f600}"');
    expect(describeUntrustedText('abcdef', 3)).toBe('"abc"… (6 characters)');
  });

  fcTest.prop([fc.string({ maxLength: 80, unit: 'binary' })])(
    'arbitrary input either fails with Ec2IdError or is a strictly shaped id',
    (input) => {
      const r = tryParseEc2Id(input);
      if (r.ok) {
        expect(input).toMatch(/^(?:i|r|vol|snap|[ea][mkr]i)-(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{17})$/);
      } else {
        expect(r.error).toBeInstanceOf(Ec2IdError);
      }
    },
  );
});

describe('zod id schemas', () => {
  it('accepts a valid id unchanged and reports the error code of a bad one', () => {
    expect(InstanceIdSchema.parse('i-4917082C')).toBe('i-4917082C');
    const r = InstanceIdSchema.safeParse('vol-5A0E0610');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      code: 'custom',
      params: { ec2IdErrorCode: 'WRONG_KIND' },
    });
    expect(
      ec2IdSchema({ prefixes: ['emi'] }).safeParse('emi-../../x').error?.issues[0],
    ).toMatchObject({
      params: { ec2IdErrorCode: 'FORBIDDEN_CHARACTER' },
    });
    expect(InstanceIdSchema.safeParse(7).success).toBe(false);
  });
});
