/** Lambda invocation context for handlers that the local stack calls in process. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * Builds the context that Lambda passes as the second handler argument. The remaining time counts down from
 * `timeoutMs` as it would in Lambda, but nothing stops a handler that runs past it.
 */
export function createLambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-3:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
