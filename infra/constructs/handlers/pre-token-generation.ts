/**
 * Cognito pre token generation trigger (event version 1): copies the user's `custom:tenant`, `custom:role`,
 * `custom:sites` and `custom:salesperson` attributes into ID token claims named as in CLAIMS, so the API reads the same claim names
 * behind API Gateway as behind the local gateway.
 */
import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { CLAIMS } from '#shared/http/routes';

/** Custom attribute names of the user pool, which match the keys of CLAIMS. */
export const CLAIM_ATTRIBUTES = Object.keys(CLAIMS) as (keyof typeof CLAIMS)[];

/** Returns the claims to add to the ID token: one per custom attribute that the user has. */
export function claimsFor(userAttributes: Record<string, string>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const attribute of CLAIM_ATTRIBUTES) {
    const value = userAttributes[`custom:${attribute}`];
    if (value !== undefined && value !== '') {
      claims[CLAIMS[attribute]] = value;
    }
  }
  return claims;
}

export const handler = async (event: PreTokenGenerationTriggerEvent): Promise<PreTokenGenerationTriggerEvent> => {
  event.response.claimsOverrideDetails = { claimsToAddOrOverride: claimsFor(event.request.userAttributes) };
  return event;
};
