/**
 * Wiring of the lead table's stream to the stream-to-lake function: the event source mapping, its failure
 * queue, and an alarm on that queue.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAKE_ENTITIES } from '#shared/store/tables';
import { acknowledge } from './nag';
import type { ServiceFunction } from './service-function';

export interface StreamConsumerProps {
  /** Table whose stream is read; it must have a stream. */
  readonly table: Table;
  readonly consumer: ServiceFunction;
  /**
   * Records per invocation.
   * @default 100
   */
  readonly batchSize?: number;
  /**
   * Time that Lambda gathers records before invoking, so a quiet stream still produces few, larger objects.
   * @default Duration.seconds(10)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Retries of a failing batch before its failed records go to the failure queue.
   * @default 5
   */
  readonly retryAttempts?: number;
  /**
   * Age after which a record is sent to the failure queue instead of retried.
   * @default Duration.days(1)
   */
  readonly maxRecordAge?: Duration;
  /**
   * What happens to the failure queue when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Event source mapping with partial batch responses, bisection on error and bounded retries. Records that
 * still fail are described (not copied) in an SQS queue, which raises an alarm as soon as it contains a message.
 */
export class StreamConsumer extends Construct {
  /** Receives the stream position of records that failed every retry, for replay from the stream. */
  readonly failureQueue: Queue;
  readonly failureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: StreamConsumerProps) {
    super(scope, id);

    this.failureQueue = new Queue(this, 'FailureQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The maximum retention that SQS allows. The stream keeps records for 24 hours only, so the queue
      // message is what remains for the investigation.
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.failureQueue,
      'AwsSolutions-SQS3',
      'This queue is the on-failure destination of the stream event source mapping, so it is itself the dead-letter queue.',
    );

    props.consumer.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 100,
        maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(10),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: props.retryAttempts ?? 5,
        maxRecordAge: props.maxRecordAge ?? Duration.days(1),
        // One batch at a time per shard keeps the changes of a lead in stream order.
        parallelizationFactor: 1,
        onFailure: new SqsDlq(this.failureQueue),
        // The same filter as the local stream poller: only lead items reach the lake. A REMOVE (such as a time
        // to live expiry) has no new image, so the old image is matched too.
        filters: [
          FilterCriteria.filter({ dynamodb: { NewImage: { entity: { S: FilterRule.or(...LAKE_ENTITIES) } } } }),
          FilterCriteria.filter({ dynamodb: { OldImage: { entity: { S: FilterRule.or(...LAKE_ENTITIES) } } } }),
        ],
      }),
    );
    acknowledge(
      props.consumer.role,
      'AwsSolutions-IAM5[Resource::*]',
      'dynamodb:ListStreams (stream read grant) and X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) ' +
        'support no resource-level permission.',
    );

    this.failureAlarm = new Alarm(this, 'FailureAlarm', {
      alarmDescription: 'Lead stream records failed every retry; their positions are in the failure queue.',
      metric: this.failureQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
