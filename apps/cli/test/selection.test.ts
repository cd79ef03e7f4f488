import { describe, expect, it } from 'vitest';
import { CliError, selectionOf } from '../src/migration-options.ts';

describe('the selection flags', () => {
  it('read --items as kind:id pairs, splitting at the first colon only', () => {
    expect(
      selectionOf({
        only: 'keypairs',
        items: 'instances:i-1A2B3C4D, image:emi-AB12CD34,groups:acme/admin/web:8080',
      }),
    ).toEqual({
      kinds: ['keyPair'],
      items: [
        { kind: 'instance', sourceId: 'i-1A2B3C4D' },
        { kind: 'image', sourceId: 'emi-AB12CD34' },
        { kind: 'securityGroup', sourceId: 'acme/admin/web:8080' },
      ],
    });
  });

  it('refuse an item without a kind or an id, and an unknown kind, with exit 2', () => {
    for (const items of ['i-1A2B3C4D', 'instance:', ':i-1A2B3C4D', 'gadgets:g-1']) {
      expect(() => selectionOf({ items })).toThrow(CliError);
    }
    expect(() => selectionOf({ items: 'gadgets:g-1' })).toThrow(/"gadgets" is not a kind/);
    try {
      selectionOf({ items: 'i-1A2B3C4D' });
    } catch (e) {
      expect((e as CliError).exitCode).toBe(2);
    }
  });
});
