/**
 * Business metrics in CloudWatch Embedded Metric Format (Powertools Metrics), namespace `LeadPilot`.
 * The CDK dashboard plots `LeadsReceived` by `Source` and `WebhookErrors` by `Code`.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import { DomainError } from '#shared/errors';

export const METRICS_NAMESPACE = 'LeadPilot';

const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'leadpilot' });

/** Records newly stored leads of one marketing source (duplicates are not counted). */
export function recordLeadsReceived(source: string, count: number): void {
  if (count === 0) {
    return;
  }
  const metric = metrics.singleMetric();
  metric.addDimension('Source', source);
  metric.addMetric('LeadsReceived', MetricUnit.Count, count);
}

/** Records a rejected or failed webhook delivery by its stable error code (`INTERNAL_ERROR` for the unexpected). */
export function recordWebhookError(code: string): void {
  const metric = metrics.singleMetric();
  metric.addDimension('Code', code);
  metric.addMetric('WebhookErrors', MetricUnit.Count, 1);
}

/** Middy middleware that counts every webhook error by code before the error handler answers. */
export function webhookErrorMetrics(): middy.MiddlewareObj {
  return {
    onError: (request) => {
      recordWebhookError(request.error instanceof DomainError ? request.error.code : 'INTERNAL_ERROR');
    },
  };
}
