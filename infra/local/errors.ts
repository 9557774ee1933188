/**
 * Errors of the local stack that a person starting it can fix. `start.ts` prints their message and exits 1
 * instead of showing a stack trace.
 */
export class LocalStackError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Java is missing or older than DynamoDB Local requires. */
export class JavaUnavailableError extends LocalStackError {}

/** A port that the stack must listen on is taken by another process. */
export class PortInUseError extends LocalStackError {}

/** DynamoDB Local exited or did not respond in time. */
export class DynamoDbLocalStartError extends LocalStackError {}

/** A command-line tool found no running stack, or no data directory, to work with. */
export class StackNotFoundError extends LocalStackError {}
