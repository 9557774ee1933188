import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Caller } from '#shared/api/caller';
import { ForbiddenError, NotFoundError } from '#shared/errors';
import { personIdOf } from '#shared/lead/build-lead';
import type { ErasureRecord } from '#shared/privacy/audit';
import {
  type ErasableLead,
  type ErasureDependencies,
  type ErasureStore,
  eraseLead,
  erasePerson,
  type PersonMatch,
  payloadMentions,
  type QuarantinedPayload,
} from '#shared/privacy/erasure';
import { ErasureIdentifierInvalidError } from '#shared/privacy/errors';
import { emptyPersonalData, type PersonalData } from '#shared/privacy/personal-data';
import type { PersonKeyEntry } from '#shared/store/lead-repository';
import { personIdKeySecretName } from '#shared/tenant/model';

const PERSON_ID_KEY = createHmac('sha256', 'test').update('key').digest('hex');
const NOW = new Date('2027-01-15T10:00:00.000Z');

function anAdmin(overrides: Partial<Caller> = {}): Caller {
  return { tenantId: 'demo', role: 'group-admin', sites: '*', subject: 'admin-1', ...overrides };
}

function personal(email: string | null, phones: string[]): PersonalData {
  const data = emptyPersonalData();
  return { ...data, contact: { ...data.contact, lastName: 'Fontaine', email, phones }, comments: 'Rappel après 18h' };
}

function hashOf(email: string | null, phone: string | null): string {
  return personIdOf(PERSON_ID_KEY, 'demo', email, phone) as string;
}

/** An in-memory erasure store and person-key index of the demo tenant. */
class MemoryErasureStore implements ErasureStore {
  readonly leads = new Map<string, ErasableLead>();
  readonly personKeys = new Map<string, PersonKeyEntry>();
  readonly payloads = new Map<string, QuarantinedPayload>();
  readonly erasures: { leadId: string; erasedAt: string }[] = [];

  async getLead(_tenantId: string, leadId: string) {
    return this.leads.get(leadId);
  }
  async findLeadIds(_tenantId: string, match: PersonMatch) {
    return [...this.leads.values()]
      .filter((lead) =>
        'email' in match
          ? lead.personal?.contact.email === match.email
          : (lead.personal?.contact.phones.includes(match.phone) ?? false),
      )
      .map((lead) => lead.leadId);
  }
  async eraseLead(_tenantId: string, leadId: string, erasedAt: string) {
    const lead = this.leads.get(leadId);
    if (lead) {
      this.leads.set(leadId, { ...lead, personal: null, erasedAt: lead.erasedAt ?? erasedAt });
      this.erasures.push({ leadId, erasedAt });
    }
  }
  async deletePersonKeys(_tenantId: string, keyHashes: readonly string[]) {
    for (const keyHash of keyHashes) {
      this.personKeys.delete(keyHash);
    }
  }
  async listQuarantinedPayloads() {
    return [...this.payloads.values()];
  }
  async deleteQuarantinedPayloads(_tenantId: string, ids: readonly string[]) {
    for (const id of ids) {
      this.payloads.delete(id);
    }
  }
  async getPersonKeys(_tenantId: string, keyHashes: readonly string[]) {
    return keyHashes.flatMap((keyHash) => {
      const entry = this.personKeys.get(keyHash);
      return entry ? [entry] : [];
    });
  }
  addKey(keyHash: string, firstLeadId: string) {
    this.personKeys.set(keyHash, { keyHash, firstLeadId, firstDatedAt: '2026-11-03T08:12:44.000Z', personId: 'p_x' });
  }
}

function setUp() {
  const store = new MemoryErasureStore();
  const records: ErasureRecord[] = [];
  const deps: ErasureDependencies = {
    store,
    personKeys: store,
    audit: { record: async (entry) => void records.push(entry), list: async () => records },
    secrets: { getSecret: async (name) => (name === personIdKeySecretName('demo') ? PERSON_ID_KEY : undefined) },
    clock: () => NOW,
  };
  store.leads.set('ld_first', {
    leadId: 'ld_first',
    siteId: 'amiens-nord',
    erasedAt: null,
    personal: personal('camille.fontaine@example.fr', ['+33145000001', '+33639980001']),
  });
  store.leads.set('ld_second', {
    leadId: 'ld_second',
    siteId: 'abbeville',
    erasedAt: null,
    personal: personal(null, ['+33639980001']),
  });
  store.leads.set('ld_other', {
    leadId: 'ld_other',
    siteId: 'amiens-nord',
    erasedAt: null,
    personal: personal('julien.morel@example.fr', ['+33639980002']),
  });
  store.addKey(hashOf('camille.fontaine@example.fr', null), 'ld_first');
  store.addKey(hashOf(null, '+33145000001'), 'ld_first');
  store.addKey(hashOf(null, '+33639980001'), 'ld_first');
  store.addKey(hashOf('julien.morel@example.fr', null), 'ld_other');
  return { store, deps, records };
}

describe('eraseLead', () => {
  it('erases the lead and returns the audit record', async () => {
    const { store, deps, records } = setUp();

    const result = await eraseLead(deps, anAdmin(), 'ld_first');

    expect(result).toEqual({
      erasureId: expect.stringMatching(/^er_/),
      tenantId: 'demo',
      kind: 'lead',
      requestedBy: 'admin-1',
      erasedAt: NOW.toISOString(),
      leadIds: ['ld_first'],
      quarantinedPayloads: 0,
      personKeys: 3,
    });
    expect(records).toEqual([result]);
    expect(store.leads.get('ld_first')).toEqual({
      leadId: 'ld_first',
      siteId: 'amiens-nord',
      erasedAt: NOW.toISOString(),
      personal: null,
    });
    expect([...store.personKeys.keys()]).toEqual([hashOf('julien.morel@example.fr', null)]);
  });

  it('keeps the audit record free of erased values', async () => {
    const { deps, records } = setUp();

    await eraseLead(deps, anAdmin(), 'ld_first');

    const text = JSON.stringify(records);
    for (const value of [
      'camille',
      'fontaine',
      '639980001',
      '145000001',
      hashOf('camille.fontaine@example.fr', null),
    ]) {
      expect(text.toLowerCase()).not.toContain(value);
    }
  });

  it('writes nothing again on a repeat', async () => {
    const { store, deps } = setUp();
    await eraseLead(deps, anAdmin(), 'ld_first');

    const repeat = await eraseLead(deps, anAdmin(), 'ld_first');

    expect(repeat.leadIds).toEqual([]);
    expect(repeat.personKeys).toBe(0);
    expect(store.erasures).toHaveLength(1);
  });

  it('rejects every role but group admin', async () => {
    const { deps } = setUp();

    for (const role of ['site-manager', 'salesperson', 'finance'] as const) {
      await expect(eraseLead(deps, anAdmin({ role }), 'ld_first')).rejects.toBeInstanceOf(ForbiddenError);
    }
  });

  it('answers not found for an unknown lead or a site out of scope', async () => {
    const { deps } = setUp();

    await expect(eraseLead(deps, anAdmin(), 'ld_unknown')).rejects.toBeInstanceOf(NotFoundError);
    await expect(eraseLead(deps, anAdmin({ sites: ['abbeville'] }), 'ld_first')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes quarantined payloads that mention the lead', async () => {
    const { store, deps } = setUp();
    const body = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
    store.payloads.set('q1', {
      quarantineId: 'q1',
      body: body('<phone>06 39 98 00 01</phone><adf'),
      replayedLeadIds: [],
    });
    store.payloads.set('q2', {
      quarantineId: 'q2',
      body: body('{"email":"julien.morel@example.fr"'),
      replayedLeadIds: [],
    });
    store.payloads.set('q3', { quarantineId: 'q3', body: body('garbage'), replayedLeadIds: ['ld_first'] });

    const result = await eraseLead(deps, anAdmin(), 'ld_first');

    expect(result.quarantinedPayloads).toBe(2);
    expect([...store.payloads.keys()]).toEqual(['q2']);
  });
});

describe('erasePerson', () => {
  it('erases every lead with the phone', async () => {
    const { store, deps } = setUp();

    const result = await erasePerson(deps, anAdmin(), { phone: '06 39 98 00 01' });

    expect(result.kind).toBe('phone');
    expect(result.leadIds.sort()).toEqual(['ld_first', 'ld_second']);
    expect(store.leads.get('ld_other')?.personal).not.toBeNull();
  });

  it('matches the email case-insensitively', async () => {
    const { deps } = setUp();

    const result = await erasePerson(deps, anAdmin(), { email: ' Camille.Fontaine@Example.FR ' });

    expect(result.leadIds).toEqual(['ld_first']);
  });

  it('finds nothing to erase on a repeat', async () => {
    const { deps } = setUp();
    await erasePerson(deps, anAdmin(), { email: 'julien.morel@example.fr' });

    const repeat = await erasePerson(deps, anAdmin(), { email: 'julien.morel@example.fr' });

    expect(repeat).toEqual({ ...repeat, leadIds: [], quarantinedPayloads: 0, personKeys: 0 });
  });

  it('rejects an identifier that does not normalise', async () => {
    const { deps } = setUp();

    await expect(erasePerson(deps, anAdmin(), { email: 'not-an-email' })).rejects.toBeInstanceOf(
      ErasureIdentifierInvalidError,
    );
    await expect(erasePerson(deps, anAdmin(), { phone: '12' })).rejects.toBeInstanceOf(ErasureIdentifierInvalidError);
  });
});

describe('payloadMentions', () => {
  const identifiers = { emails: new Set(['nathalie.roux@example.fr']), phones: new Set(['+33639980006']) };

  it('finds a URL-encoded email and phone', () => {
    const email = Buffer.from('first_name=Nathalie&email=nathalie.roux%40example.fr', 'utf8');
    const phone = Buffer.from('first_name=Nathalie&phone=06+39+98+00+06', 'utf8');

    expect(payloadMentions(email, identifiers)).toBe(true);
    expect(payloadMentions(phone, identifiers)).toBe(true);
  });

  it('finds a phone in a Latin-1 body', () => {
    const body = Buffer.from('<name>Hélène</name><phone>+33 6 39 98 00 06</phone>', 'latin1');

    expect(payloadMentions(body, identifiers)).toBe(true);
  });

  it('ignores other people', () => {
    const body = Buffer.from('{"email":"julien.morel@example.fr","phone":"+33639980002"}', 'utf8');

    expect(payloadMentions(body, identifiers)).toBe(false);
  });
});
