/**
 * The operations dashboard: leads received, webhook errors, stream lag, nightly job duration and the bytes
 * that Athena scanned.
 */
import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, type IWidget, MathExpression, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { ServiceFunction } from './service-function';

/**
 * Custom metrics that the webhook publishes in CloudWatch embedded metric format. The dashboard searches by
 * namespace and metric name only, so the series appear whatever other dimensions the publisher adds (Powertools
 * Metrics adds `service`).
 */
export const LEAD_METRICS = {
  namespace: 'LeadPilot',
  /** Count of leads stored, dimension `Source` (the lead's marketing source). */
  leadsReceived: { name: 'LeadsReceived', dimension: 'Source' },
  /** Count of rejected deliveries, dimension `Code` (the DomainError code). */
  webhookErrors: { name: 'WebhookErrors', dimension: 'Code' },
} as const;

export interface OperationsDashboardProps {
  readonly webhook: ServiceFunction;
  readonly streamToLake: ServiceFunction;
  readonly nightly: ServiceFunction;
  /** Name of the Athena workgroup of the nightly job. */
  readonly workgroupName: string;
  /**
   * Time range that the dashboard opens on.
   * @default Duration.days(7)
   */
  readonly defaultRange?: Duration;
}

/** One CloudWatch dashboard for the whole pipeline. */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const range = props.defaultRange ?? Duration.days(7);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: range,
      widgets: [
        [
          new TextWidget({
            markdown: '## LeadPilot\nLeads in, webhook rejections, stream lag to the lake, and the nightly KPI job.',
            width: 24,
            height: 2,
          }),
        ],
        [this.leadsBySource(), this.webhookErrorsByCode()],
        [this.streamIteratorAge(props), this.nightlyDuration(props), this.athenaBytesScanned(props)],
      ],
    });
  }

  private leadsBySource(): IWidget {
    const { namespace, leadsReceived } = LEAD_METRICS;
    return new GraphWidget({
      title: 'Leads received by source',
      width: 12,
      left: [
        new MathExpression({
          expression: searchByName(namespace, leadsReceived.name, 3600),
          label: '',
          period: Duration.hours(1),
        }),
      ],
    });
  }

  private webhookErrorsByCode(): IWidget {
    const { namespace, webhookErrors } = LEAD_METRICS;
    return new GraphWidget({
      title: 'Webhook errors by code',
      width: 12,
      left: [
        new MathExpression({
          expression: searchByName(namespace, webhookErrors.name, 300),
          label: '',
          period: Duration.minutes(5),
        }),
      ],
    });
  }

  private streamIteratorAge(props: OperationsDashboardProps): IWidget {
    return new GraphWidget({
      title: 'Lead stream iterator age (ms)',
      width: 8,
      left: [props.streamToLake.function.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) })],
    });
  }

  private nightlyDuration(props: OperationsDashboardProps): IWidget {
    return new GraphWidget({
      title: 'Nightly job duration (ms)',
      width: 8,
      left: [props.nightly.function.metricDuration({ statistic: 'Maximum', period: Duration.days(1) })],
      right: [props.nightly.function.metricErrors({ statistic: 'Sum', period: Duration.days(1) })],
    });
  }

  private athenaBytesScanned(props: OperationsDashboardProps): IWidget {
    return new GraphWidget({
      title: 'Athena bytes scanned per day',
      width: 8,
      left: [
        new MathExpression({
          // Athena publishes ProcessedBytes per workgroup, query state and query type; the search sums them all.
          expression: `SUM(SEARCH('{AWS/Athena,QueryState,QueryType,WorkGroup} MetricName="ProcessedBytes" WorkGroup="${props.workgroupName}"', 'Sum', 86400))`,
          label: 'ProcessedBytes',
          period: Duration.days(1),
        }),
      ],
    });
  }
}

/** Builds a SEARCH expression that sums every series of a metric, one line per dimension combination. */
function searchByName(namespace: string, metricName: string, periodSeconds: number): string {
  return `SEARCH('Namespace="${namespace}" MetricName="${metricName}"', 'Sum', ${periodSeconds})`;
}
