import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { isLeadRecord } from '#infra/local/stream-events';
import { rowFromStreamRecord } from '#shared/lake/rows';
import { LEAD_EXPORT_ENTITY, leadExportKeys } from '#shared/store/tables';

/** A stream record of a job item as the API creates it, with the keys and entity of the DynamoDB store. */
function jobRecord(eventName: 'INSERT' | 'MODIFY' | 'REMOVE'): DynamoDBRecord {
  const item = marshall({
    pk: leadExportKeys.pk('demo'),
    sk: leadExportKeys.sk('5b0e2f9c-3d0e-4f77-9d1a-0c7c0f6a8e11'),
    entity: LEAD_EXPORT_ENTITY,
    tenantId: 'demo',
    status: 'running',
    rowCount: 1000,
  }) as Record<string, AttributeValue>;
  return {
    eventID: `job-${eventName}`,
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      ApproximateCreationDateTime: 1_796_000_000,
      SequenceNumber: '100',
      Keys: { pk: item.pk as AttributeValue, sk: item.sk as AttributeValue },
      ...(eventName === 'REMOVE' ? { OldImage: item } : { NewImage: item }),
    },
  };
}

describe('lead export job items in the stream', () => {
  it.each(['INSERT', 'MODIFY', 'REMOVE'] as const)('leaves a %s out of the stream-to-lake filter', (eventName) => {
    expect(isLeadRecord(jobRecord(eventName))).toBe(false);
  });

  it.each(['INSERT', 'REMOVE'] as const)('turns a %s into no lake row', (eventName) => {
    expect(rowFromStreamRecord(jobRecord(eventName))).toBeNull();
  });
});
