/**
 * Starts the lead export worker with an asynchronous Lambda invocation (`InvocationType: Event`): Lambda queues
 * the event, returns 202 at once, and retries a failed invocation itself. On the local stack the same call goes
 * to the gateway's stand-in of the Lambda Invoke API (`LAMBDA_ENDPOINT`).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { LeadExportLauncher, LeadExportWorkerEvent } from './lead-export-job';

/** Status of an accepted asynchronous invocation. */
const ACCEPTED = 202;

export interface LambdaLeadExportLauncherOptions {
  client: LambdaClient;
  /** Name or ARN of the worker function. */
  functionName: string;
}

export class LambdaLeadExportLauncher implements LeadExportLauncher {
  constructor(private readonly options: LambdaLeadExportLauncherOptions) {}

  /** Queues the worker event; throws when Lambda rejects it or does not return 202. */
  async launch(event: LeadExportWorkerEvent): Promise<void> {
    const output = await this.options.client.send(
      new InvokeCommand({
        FunctionName: this.options.functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(event), 'utf8'),
      }),
    );
    if (output.StatusCode !== ACCEPTED) {
      throw new Error(
        `Lambda returned status ${output.StatusCode} to the asynchronous invocation of ${this.options.functionName}; expected ${ACCEPTED}`,
      );
    }
  }
}
