import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LambdaLeadExportLauncher } from '#shared/export/lead-export-launcher-lambda';

const lambda = mockClient(LambdaClient);
const event = { tenantId: 'demo', exportId: '5b0e2f9c-3d0e-4f77-9d1a-0c7c0f6a8e11' };

function launcher(): LambdaLeadExportLauncher {
  return new LambdaLeadExportLauncher({ client: new LambdaClient({ region: 'eu-west-3' }), functionName: 'worker' });
}

beforeEach(() => {
  lambda.reset();
});

describe('LambdaLeadExportLauncher', () => {
  it('invokes the worker asynchronously with the job event', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    await launcher().launch(event);

    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    const payload = Buffer.from(input?.Payload as Uint8Array).toString('utf8');
    expect({ ...input, Payload: JSON.parse(payload) }).toEqual({
      FunctionName: 'worker',
      InvocationType: 'Event',
      Payload: event,
    });
  });

  it('throws on a status other than 202', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });

    await expect(launcher().launch(event)).rejects.toThrow(/returned status 200 .* expected 202/);
  });

  it('passes on an error of Lambda', async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {}, Type: 'User' }));

    await expect(launcher().launch(event)).rejects.toBeInstanceOf(TooManyRequestsException);
  });
});
