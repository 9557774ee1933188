/**
 * The JSON logger shared by all handlers (Powertools Logger).
 * Log messages are constant strings; data goes into fields. Never log a payload, a contact field or a secret.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'leadpilot' });
