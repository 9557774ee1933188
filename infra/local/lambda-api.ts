/**
 * A stand-in for the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`), served by the local
 * gateway so that the API's `LambdaClient` starts the lead export worker on the local stack exactly as it does
 * in AWS. An `Event` invocation gets 202 at once while the handler runs in this process in the background. A
 * `RequestResponse` invocation waits for the handler, and `DryRun` gets 204. Requests are not authenticated, like
 * DynamoDB Local's, because the gateway listens on 127.0.0.1 only.
 *
 * NOTE: Lambda retries a failed asynchronous invocation and drops it after its maximum event age; this stand-in
 * runs each event once and only logs a failure.
 */
import type { Context } from 'aws-lambda';
import { truncateForLog } from '#shared/log-safety';
import { createLambdaContext } from './lambda-context';

/** Path prefix of the Invoke API. */
export const LAMBDA_INVOKE_PATH = '/2015-03-31/functions/';

const INVOCATION_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** A function handler as the local stack calls it: any JSON event, a Lambda context. */
export type LocalFunctionHandler = (event: never, context: Context) => Promise<unknown>;

export interface LocalFunction {
  handler: LocalFunctionHandler;
  /** Remaining time that the context reports at the start, as the function's Lambda timeout. */
  timeoutMs: number;
}

export interface LambdaApiRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface LambdaApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Serves invocations of the functions it is given, by name, and keeps track of the ones still running. */
export class LocalLambdaApi {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly functions: Record<string, LocalFunction>,
    private readonly log: (line: string) => void = () => {},
  ) {}

  async handle(request: LambdaApiRequest): Promise<LambdaApiResponse> {
    const name = decodeURIComponent(INVOCATION_PATH.exec(request.path)?.[1] ?? '');
    if (request.method !== 'POST' || name === '') {
      return errorResponse(
        404,
        'ResourceNotFoundException',
        `No Lambda API operation ${request.method} ${request.path}`,
      );
    }
    // A name may also come as an ARN, whose last segment (before an optional qualifier) is the name.
    const functionName = name.startsWith('arn:') ? (name.split(':')[6] ?? '') : name;
    const target = this.functions[functionName];
    if (target === undefined) {
      return errorResponse(404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
    }

    let event: unknown;
    try {
      event = request.body.length === 0 ? {} : JSON.parse(request.body.toString('utf8'));
    } catch {
      return errorResponse(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }

    const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    switch (invocationType) {
      case 'DryRun':
        return { statusCode: 204, headers: {}, body: Buffer.alloc(0) };
      case 'Event':
        this.runInBackground(functionName, target, event);
        return { statusCode: 202, headers: {}, body: Buffer.alloc(0) };
      case 'RequestResponse':
        return this.runAndRespond(functionName, target, event);
      default:
        return errorResponse(400, 'InvalidParameterValueException', `Invalid invocation type ${invocationType}`);
    }
  }

  /** Number of `Event` invocations still running. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Resolves once every `Event` invocation has finished, including any started while it waits. */
  async drain(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running]);
    }
  }

  private runInBackground(functionName: string, target: LocalFunction, event: unknown): void {
    const run = target
      .handler(event as never, createLambdaContext(functionName, target.timeoutMs))
      .then(
        () => undefined,
        (error: unknown) => this.log(`Function ${functionName} failed on an Event invocation: ${describe(error)}`),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async runAndRespond(functionName: string, target: LocalFunction, event: unknown): Promise<LambdaApiResponse> {
    const headers = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
    try {
      const result = await target.handler(event as never, createLambdaContext(functionName, target.timeoutMs));
      return { statusCode: 200, headers, body: Buffer.from(JSON.stringify(result ?? null)) };
    } catch (error) {
      // Lambda reports a handler error with 200 and X-Amz-Function-Error, not with an error status.
      const body = {
        errorType: error instanceof Error ? error.name : 'Error',
        errorMessage: error instanceof Error ? error.message : String(error),
      };
      return {
        statusCode: 200,
        headers: { ...headers, 'x-amz-function-error': 'Unhandled' },
        body: Buffer.from(JSON.stringify(body)),
      };
    }
  }
}

/** Builds an error of the Invoke API itself, in the shape that the AWS SDK parses (`x-amzn-errortype`, `message`). */
function errorResponse(statusCode: number, type: string, message: string): LambdaApiResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: Buffer.from(JSON.stringify({ Type: 'User', message })),
  };
}

function describe(error: unknown): string {
  return truncateForLog(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
