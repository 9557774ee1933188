/**
 * EventBridge Scheduler schedules that start the nightly KPI job once per tenant, with retries, a dead-letter
 * queue, and an alarm on the job's errors.
 */
import { Aws, type CfnResource, Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, arnWildcardFinding } from './nag';
import type { ServiceFunction } from './service-function';

export interface NightlyScheduleProps {
  readonly job: ServiceFunction;
  /** Tenant ids; each gets its own schedule with input `{ "tenantId": <id> }`. */
  readonly tenantIds: readonly string[];
  /**
   * Minute and hour of the daily run, in `timeZone`.
   * @default { minute: '30', hour: '2' }
   */
  readonly at?: { minute: string; hour: string };
  /**
   * Time zone of the schedule, so the run stays at the same local time across daylight saving changes.
   * @default TimeZone.EUROPE_PARIS
   */
  readonly timeZone?: TimeZone;
  /**
   * Delivery retries when the invocation fails (throttling, for example).
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** One schedule per tenant, their dead-letter queue and the alarms on the job. */
export class NightlySchedule extends Construct {
  readonly schedules: Schedule[];
  readonly deadLetterQueue: Queue;
  readonly role: Role;
  readonly errorsAlarm: Alarm;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: NightlyScheduleProps) {
    super(scope, id);
    const at = props.at ?? { minute: '30', hour: '2' };

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue of the nightly schedules; a dead-letter queue needs no queue of its own.',
    );

    // Only the scheduler of this account may assume the role (confused deputy protection).
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invokes the LeadPilot nightly job',
    });

    const target = (tenantId: string) =>
      new LambdaInvoke(props.job.function, {
        role: this.role,
        input: ScheduleTargetInput.fromObject({ tenantId }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 3,
        maxEventAge: Duration.hours(2),
      });
    this.schedules = props.tenantIds.map(
      (tenantId) =>
        new Schedule(this, `Tenant-${tenantId}`, {
          description: `LeadPilot nightly KPIs of tenant ${tenantId}`,
          schedule: ScheduleExpression.cron({
            minute: at.minute,
            hour: at.hour,
            timeZone: props.timeZone ?? TimeZone.EUROPE_PARIS,
          }),
          target: target(tenantId),
        }),
    );
    acknowledge(
      this.role,
      arnWildcardFinding(props.job.function.node.defaultChild as CfnResource, ':*'),
      'lambda:InvokeFunction on the nightly function and its versions and aliases; no other function.',
    );

    this.errorsAlarm = new Alarm(this, 'ErrorsAlarm', {
      alarmDescription: 'The nightly KPI job failed; aggregates of the day may be missing.',
      metric: props.job.function.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'A nightly schedule could not invoke the job; the event is in the dead-letter queue.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
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
