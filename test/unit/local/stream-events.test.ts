import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { isLeadRecord } from '#infra/local/stream-events';

function recordWith(images: { newEntity?: string; oldEntity?: string }): DynamoDBRecord {
  return {
    eventName: images.newEntity ? 'MODIFY' : 'REMOVE',
    dynamodb: {
      SequenceNumber: '100',
      ...(images.newEntity ? { NewImage: { entity: { S: images.newEntity } } } : {}),
      ...(images.oldEntity ? { OldImage: { entity: { S: images.oldEntity } } } : {}),
    },
  };
}

describe('isLeadRecord', () => {
  it('passes lead and lead event changes, including deletions', () => {
    expect(isLeadRecord(recordWith({ newEntity: 'lead' }))).toBe(true);
    expect(isLeadRecord(recordWith({ newEntity: 'lead-event' }))).toBe(true);
    expect(isLeadRecord(recordWith({ oldEntity: 'lead' }))).toBe(true);
  });

  it('keeps configuration, quarantine and key items out of the lake', () => {
    for (const entity of ['tenant', 'quarantine', 'pending-fetch', 'person-key', 'lead-event-key']) {
      expect(isLeadRecord(recordWith({ newEntity: entity, oldEntity: entity }))).toBe(false);
    }
  });
});
