import { describe, expect, it } from 'vitest';
import type { Inventory, User } from '@euca2nova/model';
import {
  buildUserRows,
  novaProjectIdOf,
  novaUserIdOf,
  projectOfGrantee,
  projectOfOwner,
} from '../src/index.ts';
import { demoInventory } from './fixtures/index.ts';

const key = (id: string) => ({ accessKeyId: `AK${id}`, secretKey: `SK${id}`, active: true });

// A 3.x cloud: two accounts, each with its `admin`, one with a second user.
const users: User[] = [
  {
    userName: 'admin',
    accountName: 'eucalyptus',
    accountNumber: '000000000001',
    admin: true,
    enabled: true,
    accessKeys: [key('1')],
  },
  {
    userName: 'admin',
    accountName: 'acme',
    accountNumber: '123456789012',
    admin: false,
    enabled: true,
    accessKeys: [key('2')],
  },
  {
    userName: 'alice',
    accountName: 'acme',
    accountNumber: '123456789012',
    admin: false,
    enabled: true,
    accessKeys: [key('3')],
  },
];
const inventory: Inventory = { ...demoInventory('MANAGED'), users };

describe('Eucalyptus identities in Nova', () => {
  it('keeps a 2.0 user as user and project of the same name', () => {
    expect(novaUserIdOf({ userName: 'alice' })).toBe('alice');
    expect(novaProjectIdOf({ userName: 'alice' })).toBe('alice');
  });

  it('makes a 3.x account one project named by its account number, its admin the user of that id', () => {
    expect(users.map(novaUserIdOf)).toEqual(['000000000001', '123456789012', '123456789012-alice']);
    expect(users.map(novaProjectIdOf)).toEqual(['000000000001', '123456789012', '123456789012']);
    expect(projectOfOwner({ accountNumber: '123456789012' }, inventory)).toBe('123456789012');
    expect(projectOfOwner({ accountName: 'acme' }, inventory)).toBe('123456789012');
    expect(projectOfOwner({ accountNumber: '999999999999' }, inventory)).toBeUndefined();
    expect(projectOfGrantee('123456789012', inventory)).toBe('123456789012');
  });

  it('writes one project per account with every user a member, and says who needs a :project suffix', () => {
    const rows = buildUserRows(inventory);
    expect(rows.users.map((u) => u.id)).toEqual([
      '000000000001',
      '123456789012',
      '123456789012-alice',
    ]);
    expect(rows.projects).toEqual([
      {
        id: '000000000001',
        name: 'eucalyptus',
        description: 'Eucalyptus account eucalyptus',
        project_manager: '000000000001',
      },
      {
        id: '123456789012',
        name: 'acme',
        description: 'Eucalyptus account acme',
        project_manager: '123456789012',
      },
    ]);
    expect(rows.memberships).toEqual([
      { user_id: '000000000001', project_id: '000000000001' },
      { user_id: '123456789012', project_id: '123456789012' },
      { user_id: '123456789012-alice', project_id: '123456789012' },
    ]);
    expect(rows.findings.map((f) => [f.ruleId, f.affectedIds, f.remedy])).toEqual([
      [
        'user.project-suffix-needed',
        ['123456789012-alice'],
        'Tell the user to set EC2_ACCESS_KEY=AK3:123456789012 (the secret key is unchanged).',
      ],
    ]);
    // Only the cloud administrator (the `eucalyptus` account) gets the global admin roles.
    expect(rows.globalRoles.filter((r) => r.role === 'cloudadmin').map((r) => r.user_id)).toEqual([
      '000000000001',
    ]);
  });
});
