/**
 * Factories for lead items and the DynamoDB stream records that Lambda delivers for them.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { Lead } from '#shared/lead/model';
import { LEAD_ENTITY, leadKeys } from '#shared/store/tables';

/** Builds a Google Ads lead of the demo tenant, with contact details, a VIN and comments that must not reach the lake. */
export function buildLead(overrides: Partial<Lead> = {}): Lead {
  return {
    leadId: '01JCA7Q3M4T1V9X2B5N8R0K6PZ',
    leadNumber: 1042,
    version: 2,
    tenantId: 'demo',
    siteId: 'amiens-nord',
    integrationId: 'google-ads',
    source: 'google-ads',
    channel: 'paid-search',
    sourceLeadId: 'TeSter-b9c3e1f0-0417',
    formId: '9007199254740993',
    campaign: { id: '20000000002', name: 'VN Novembre Search' },
    utm: { source: 'google', medium: 'cpc', campaign: 'vn-novembre', term: 'peugeot 3008', content: null },
    clickIds: { gclid: 'EAIaIQobChMIexample0417' },
    category: 'VN',
    interest: 'Peugeot 3008',
    submittedAt: '2026-11-06T08:15:27.000Z',
    receivedAt: '2026-11-06T08:15:29.412Z',
    datedAt: '2026-11-06T08:15:27.000Z',
    localDate: '2026-11-06',
    contact: {
      firstName: null,
      lastName: null,
      fullName: 'Julien Morel',
      email: 'julien.morel@example.fr',
      phones: ['+33639980002'],
      postalCode: '80000',
      city: 'Amiens',
    },
    vehicle: {
      make: 'Peugeot',
      model: '3008',
      year: 2024,
      vin: 'VF3MCYHZRMS000417',
      stock: 'ST-0417',
      condition: 'new',
      odometerKm: null,
      price: 38990,
    },
    comments: 'Rappel après 18h',
    consent: { email: true, sms: false },
    customFields: { trade_in: 'Clio 2015' },
    isTest: false,
    status: 'new',
    personId: 'p_5f0c2d8a41b7e9c3',
    repeatOf: null,
    flags: [],
    ...overrides,
  };
}

/** Builds the lead-table item of a lead: the resource plus its keys and entity. */
export function leadItem(lead: Lead): Record<string, unknown> {
  return {
    ...lead,
    pk: leadKeys.pk(lead.tenantId, lead.leadId),
    sk: leadKeys.sk,
    entity: LEAD_ENTITY,
    gsi1pk: leadKeys.gsi1pk(lead.tenantId, lead.localDate.slice(0, 7)),
    gsi1sk: leadKeys.gsi1sk(lead.localDate, lead.datedAt, lead.leadId),
  };
}

export interface StreamRecordOptions {
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventId?: string;
  sequenceNumber?: string;
  /** Epoch seconds, as Lambda passes `ApproximateCreationDateTime`. */
  creationSeconds?: number;
  newItem?: Record<string, unknown>;
  oldItem?: Record<string, unknown>;
}

/** Marshalls an item the way the stream delivers images. SDK and `aws-lambda` AttributeValue types differ only in name. */
export function toImage(item: Record<string, unknown>): Record<string, AttributeValue> {
  return marshall(item, { removeUndefinedValues: true }) as unknown as Record<string, AttributeValue>;
}

/** Builds a stream record of the lead table, as Lambda delivers it (NEW_AND_OLD_IMAGES). */
export function buildStreamRecord(options: StreamRecordOptions = {}): DynamoDBRecord {
  const eventName = options.eventName ?? 'INSERT';
  const newItem = options.newItem ?? (eventName === 'REMOVE' ? undefined : leadItem(buildLead()));
  const oldItem = options.oldItem;
  const keySource = newItem ?? oldItem ?? {};

  return {
    eventID: options.eventId ?? 'c81e728d9d4c2f636f067f89cc14862c',
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-3',
    eventSourceARN: 'arn:aws:dynamodb:eu-west-3:123456789012:table/leads/stream/2026-11-01T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: options.creationSeconds ?? 1_793_952_929.412,
      Keys: toImage({ pk: keySource.pk, sk: keySource.sk }),
      ...(newItem === undefined ? {} : { NewImage: toImage(newItem) }),
      ...(oldItem === undefined ? {} : { OldImage: toImage(oldItem) }),
      SequenceNumber: options.sequenceNumber ?? '4421584500000000017450439091',
      SizeBytes: 1024,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}
