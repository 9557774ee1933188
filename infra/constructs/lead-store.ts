/**
 * The lead store: the single-table lead store and the aggregates table of the nightly job, both built from the
 * definitions in shared/store/tables.ts that the local stack uses too.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  StreamViewType,
  Table,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { AGGREGATES_TABLE, type KeyAttribute, LEADS_TABLE, type TableDefinition } from '#shared/store/tables';

export interface LeadStoreProps {
  /**
   * What happens to the tables and their key when they leave the stack. Anything but `RETAIN` also turns off
   * deletion protection.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The lead table (stream on, time to live on `expiresAt`, index gsi1) and the aggregates table. Both are
 * on-demand, have point-in-time recovery and are encrypted with one customer managed key that rotates yearly.
 */
export class LeadStore extends Construct {
  readonly leads: Table;
  readonly aggregates: Table;
  /** Customer managed key of both tables and of the lead table's stream. */
  readonly key: Key;

  constructor(scope: Construct, id: string, props: LeadStoreProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key = new Key(this, 'Key', {
      description: 'LeadPilot lead store: lead and aggregates tables',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy,
    });
    this.leads = this.createTable('Leads', LEADS_TABLE, removalPolicy);
    this.aggregates = this.createTable('Aggregates', AGGREGATES_TABLE, removalPolicy);
  }

  private createTable(id: string, definition: TableDefinition, removalPolicy: RemovalPolicy): Table {
    const props: TableProps = {
      partitionKey: attributeOf(definition.partitionKey),
      sortKey: attributeOf(definition.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
      ...(definition.stream === null ? {} : { stream: StreamViewType[definition.stream] }),
      ...(definition.timeToLiveAttribute === null ? {} : { timeToLiveAttribute: definition.timeToLiveAttribute }),
    };
    const table = new Table(this, id, props);
    for (const index of definition.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attributeOf(index.partitionKey),
        sortKey: attributeOf(index.sortKey),
      });
    }
    return table;
  }
}

function attributeOf(attribute: KeyAttribute): { name: string; type: AttributeType } {
  return { name: attribute.name, type: attribute.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}
