/**
 * Conversion of DynamoDB Streams API records into the records that Lambda hands to a stream handler, and the
 * event filter of the stream-to-lake event source mapping.
 */
import type { _Record, AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { LAKE_ENTITIES } from '#shared/store/tables';

/** Converts an attribute value of the Streams SDK (binary as bytes) to Lambda's JSON form (binary as base64). */
export function toLambdaAttributeValue(value: SdkAttributeValue): AttributeValue {
  if (value.B !== undefined) {
    return { B: Buffer.from(value.B).toString('base64') };
  }
  if (value.BS !== undefined) {
    return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  }
  if (value.L !== undefined) {
    return { L: value.L.map(toLambdaAttributeValue) };
  }
  if (value.M !== undefined) {
    return { M: toLambdaImage(value.M) };
  }
  if (value.S !== undefined) {
    return { S: value.S };
  }
  if (value.N !== undefined) {
    return { N: value.N };
  }
  if (value.BOOL !== undefined) {
    return { BOOL: value.BOOL };
  }
  if (value.NULL !== undefined) {
    return { NULL: value.NULL };
  }
  if (value.SS !== undefined) {
    return { SS: value.SS };
  }
  if (value.NS !== undefined) {
    return { NS: value.NS };
  }
  // The Streams SDK (3.11xx) deserialises an empty map `{"M":{}}` to `{}`, so a value without members is one.
  if (Object.keys(value).length === 0) {
    return { M: {} };
  }
  throw new TypeError(`Unsupported stream attribute value with keys ${Object.keys(value).join(', ')}`);
}

function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaAttributeValue(value)]));
}

/**
 * Builds the record that Lambda would deliver for a stream record: `ApproximateCreationDateTime` in epoch
 * seconds, the source ARN of the stream and the region of the function.
 */
export function toLambdaRecord(record: _Record, streamArn: string, region: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: created ? Math.floor(created.getTime() / 1000) : undefined,
      Keys: stream.Keys ? toLambdaImage(stream.Keys) : undefined,
      NewImage: stream.NewImage ? toLambdaImage(stream.NewImage) : undefined,
      OldImage: stream.OldImage ? toLambdaImage(stream.OldImage) : undefined,
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
  };
}

/**
 * Applies the stream-to-lake mapping's filter: a record passes when its new or its old image is a lead or lead
 * event item, so deletions (old image only) pass and tenant, quarantine, pending and key items do not.
 */
export function isLeadRecord(record: DynamoDBRecord): boolean {
  const entities: readonly string[] = LAKE_ENTITIES;
  const newEntity = record.dynamodb?.NewImage?.entity?.S;
  const oldEntity = record.dynamodb?.OldImage?.entity?.S;
  return (
    (newEntity !== undefined && entities.includes(newEntity)) ||
    (oldEntity !== undefined && entities.includes(oldEntity))
  );
}
