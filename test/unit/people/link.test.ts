import { describe, expect, it } from 'vitest';
import { personIdOf } from '#shared/lead/build-lead';
import { contactKeyHashes, linkToPerson, MAX_PHONE_KEYS, storeWithPerson } from '#shared/people/link';
import { PersonKeyConflictError, type PersonKeyEntry } from '#shared/store/lead-repository';
import { aLead } from '#test/factories/lead';
import { MemoryLeadRepository } from './memory-lead-repository';

const DAY_MS = 86_400_000;
const firstDatedAt = '2026-11-01T09:00:00.000Z';

/** Returns the instant `days` (fractional allowed) after the first lead. */
function daysAfterFirst(days: number): string {
  return new Date(Date.parse(firstDatedAt) + days * DAY_MS).toISOString();
}

function anEntry(overrides: Partial<PersonKeyEntry> = {}): PersonKeyEntry {
  return {
    keyHash: 'h-email',
    firstLeadId: 'ld_first',
    firstDatedAt,
    personId: 'p_first',
    ...overrides,
  };
}

describe('linkToPerson', () => {
  it('starts a new person when no key is stored', () => {
    const lead = aLead({ personId: 'p_new', datedAt: firstDatedAt });

    const link = linkToPerson(lead, ['h-email', 'h-phone'], [], 30);

    expect(link.lead).toEqual({ ...lead, repeatOf: null });
    expect(link.writes).toEqual([
      {
        entry: { keyHash: 'h-email', firstLeadId: lead.leadId, firstDatedAt, personId: 'p_new' },
        expectedFirstLeadId: null,
        expiresAt: (Date.parse(firstDatedAt) + 60 * DAY_MS) / 1000,
      },
      {
        entry: { keyHash: 'h-phone', firstLeadId: lead.leadId, firstDatedAt, personId: 'p_new' },
        expectedFirstLeadId: null,
        expiresAt: (Date.parse(firstDatedAt) + 60 * DAY_MS) / 1000,
      },
    ]);
  });

  it('repeats a lead with the same email dated exactly 30 days before', () => {
    const lead = aLead({ personId: 'p_email', datedAt: daysAfterFirst(30) });

    const link = linkToPerson(lead, ['h-email'], [anEntry()], 30);

    expect(link.lead).toEqual({ ...lead, personId: 'p_first', repeatOf: 'ld_first' });
    expect(link.writes).toEqual([]);
  });

  it('starts a new person after 31 days', () => {
    const lead = aLead({ personId: 'p_email', datedAt: daysAfterFirst(31) });

    const link = linkToPerson(lead, ['h-email'], [anEntry()], 30);

    expect(link.lead).toEqual({ ...lead, repeatOf: null });
    expect(link.writes).toEqual([
      {
        entry: { keyHash: 'h-email', firstLeadId: lead.leadId, firstDatedAt: lead.datedAt, personId: 'p_email' },
        expectedFirstLeadId: 'ld_first',
        expiresAt: (Date.parse(lead.datedAt) + 60 * DAY_MS) / 1000,
      },
    ]);
  });

  it('starts a new person one millisecond past the window', () => {
    const lead = aLead({ datedAt: new Date(Date.parse(daysAfterFirst(30)) + 1).toISOString() });

    const link = linkToPerson(lead, ['h-email'], [anEntry()], 30);

    expect(link.lead.repeatOf).toBeNull();
  });

  it('links a lead sharing only a phone', () => {
    const lead = aLead({ personId: 'p_other_email', datedAt: daysAfterFirst(3) });
    const phoneEntry = anEntry({ keyHash: 'h-phone' });

    const link = linkToPerson(lead, ['h-other-email', 'h-phone'], [phoneEntry], 30);

    expect(link.lead).toEqual({ ...lead, personId: 'p_first', repeatOf: 'ld_first' });
    expect(link.writes).toEqual([
      {
        entry: { keyHash: 'h-other-email', firstLeadId: 'ld_first', firstDatedAt, personId: 'p_first' },
        expectedFirstLeadId: null,
        expiresAt: (Date.parse(firstDatedAt) + 60 * DAY_MS) / 1000,
      },
    ]);
  });

  it('keeps a lead with other keys a different person', () => {
    const lead = aLead({ personId: 'p_someone_else', datedAt: daysAfterFirst(1) });

    const link = linkToPerson(lead, ['h-someone-else'], [], 30);

    expect(link.lead.personId).toBe('p_someone_else');
    expect(link.lead.repeatOf).toBeNull();
  });

  it('never makes a redelivered first lead a repeat of itself', () => {
    const lead = aLead({ leadId: 'ld_first', personId: 'p_first', datedAt: firstDatedAt });

    const link = linkToPerson(lead, ['h-email'], [anEntry()], 30);

    expect(link.lead.repeatOf).toBeNull();
    expect(link.writes).toEqual([]);
  });

  it('repeats the earliest first lead when two people share the lead keys', () => {
    const lead = aLead({ datedAt: daysAfterFirst(10) });
    const later = anEntry({ keyHash: 'h-phone', firstLeadId: 'ld_later', firstDatedAt: daysAfterFirst(5) });

    const link = linkToPerson(lead, ['h-email', 'h-phone'], [later, anEntry()], 30);

    expect(link.lead.repeatOf).toBe('ld_first');
    expect(link.writes).toEqual([]);
  });

  it('does not repeat a first lead dated after the lead', () => {
    const lead = aLead({ datedAt: daysAfterFirst(-1) });

    const link = linkToPerson(lead, ['h-email'], [anEntry()], 30);

    expect(link.lead.repeatOf).toBeNull();
    expect(link.writes).toEqual([]);
  });

  it('uses the tenant window', () => {
    const lead = aLead({ datedAt: daysAfterFirst(8) });

    const link = linkToPerson(lead, ['h-email'], [anEntry()], 7);

    expect(link.lead.repeatOf).toBeNull();
  });

  it('leaves a lead without email or phone unlinked', () => {
    const lead = aLead({ personId: null });

    const link = linkToPerson(lead, [], [], 30);

    expect(link).toEqual({ lead: { ...lead, repeatOf: null }, writes: [] });
  });
});

describe('contactKeyHashes', () => {
  it('hashes the email and each phone as person ids of that key alone', () => {
    const hashes = contactKeyHashes('key-1', 'demo', { email: 'a@example.fr', phones: ['+33600000001'] });

    expect(hashes).toEqual([
      personIdOf('key-1', 'demo', 'a@example.fr', null),
      personIdOf('key-1', 'demo', null, '+33600000001'),
    ]);
    expect(hashes.join(' ')).not.toContain('example');
    expect(hashes.join(' ')).not.toContain('600000001');
  });

  it('keeps the first phones only', () => {
    const phones = Array.from({ length: MAX_PHONE_KEYS + 2 }, (_, index) => `+3360000000${index}`);

    expect(contactKeyHashes('key-1', 'demo', { email: null, phones })).toHaveLength(MAX_PHONE_KEYS);
  });
});

describe('storeWithPerson', () => {
  it('stores the second lead of a person as a repeat of the first', async () => {
    const leads = new MemoryLeadRepository();
    const first = aLead({ personId: 'p_a', datedAt: firstDatedAt });
    const second = aLead({ personId: 'p_b', datedAt: daysAfterFirst(2) });

    await storeWithPerson(leads, first, ['h-email', 'h-phone'], 30);
    const stored = await storeWithPerson(leads, second, ['h-phone'], 30);

    expect(stored).toEqual({ outcome: 'created', lead: { ...second, personId: 'p_a', repeatOf: first.leadId } });
    expect(leads.stored.get(second.leadId)).toEqual(stored.lead);
  });

  it('stores a redelivered lead once, still not a repeat', async () => {
    const leads = new MemoryLeadRepository();
    const lead = aLead({ datedAt: firstDatedAt });

    await storeWithPerson(leads, lead, ['h-email'], 30);
    const again = await storeWithPerson(leads, lead, ['h-email'], 30);

    expect(again.outcome).toBe('duplicate');
    expect(again.lead.repeatOf).toBeNull();
    expect([...leads.stored.values()]).toEqual([{ ...lead, repeatOf: null }]);
  });

  it('reads the keys again when another lead of the person wins the race', async () => {
    const leads = new MemoryLeadRepository();
    const lead = aLead({ datedAt: daysAfterFirst(1) });
    leads.beforeCreate = () => {
      leads.beforeCreate = undefined;
      leads.personKeys.set('demo#h-email', { ...anEntry(), expiresAt: 0 });
    };

    const stored = await storeWithPerson(leads, lead, ['h-email'], 30);

    expect(stored.outcome).toBe('created');
    expect(stored.lead.repeatOf).toBe('ld_first');
  });

  it('gives up after five conflicting rounds', async () => {
    const leads = new MemoryLeadRepository();
    let round = 0;
    leads.beforeCreate = () => {
      round += 1;
      leads.personKeys.set('demo#h-email', { ...anEntry({ firstLeadId: `ld_${round}` }), expiresAt: 0 });
    };

    await expect(
      storeWithPerson(leads, aLead({ datedAt: daysAfterFirst(40) }), ['h-email'], 30),
    ).rejects.toBeInstanceOf(PersonKeyConflictError);
    expect(round).toBe(5);
  });
});
