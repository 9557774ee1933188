/**
 * The JSON logger shared by all handlers (Powertools Logger).
 * Log messages are constant strings; data goes into fields. Never log a payload, a contact field or a secret.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { truncatingJsonReplacer } from './log-safety';

/** Every string field, error messages included, is cut to `MAX_LOGGED_STRING_LENGTH` (see log-safety.ts). */
export const logger = new Logger({ serviceName: 'leadpilot', jsonReplacerFn: truncatingJsonReplacer });
