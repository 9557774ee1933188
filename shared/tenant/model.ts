/**
 * Tenant configuration: a dealer group's sites, integrations, aliases and source rules.
 * Secrets are not part of it; each integration names the secret that holds its credentials.
 */
import * as z from 'zod';

const idPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Tenant, site and integration ids: lower-case letters, digits and hyphens, at most 63 characters. */
export const identifierSchema = z.string().regex(idPattern, 'must be lower-case letters, digits and hyphens');

/** Opening hours by day group: keys `mon-fri`, `sat`, `sun` or single days (`mon`...); values `HH:MM-HH:MM[,HH:MM-HH:MM]`. */
export const openingHoursSchema = z.record(
  z.string(),
  z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}(,\d{2}:\d{2}-\d{2}:\d{2})*$/),
);

export const siteSchema = z.object({
  siteId: identifierSchema,
  name: z.string().min(1),
  timeZone: z.string().min(1),
  /** Vendor ids and dealership names that senders use for this site, matched case- and accent-insensitively. */
  aliases: z.array(z.string()).default([]),
  openingHours: openingHoursSchema.default({}),
});
export type Site = z.infer<typeof siteSchema>;

export const INTEGRATION_FORMATS = ['adf-xml', 'google-ads-lead-form', 'meta-leadgen', 'web-form'] as const;
export type IntegrationFormat = (typeof INTEGRATION_FORMATS)[number];

export const AUTH_TYPES = ['hmac-sha256', 'google-key', 'meta'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/**
 * A rule that overrides the integration's marketing source. `clickId` matches when the payload carries
 * that click id; `utm_source` matches one of the listed values, case-insensitively.
 */
export const sourceRuleSchema = z.object({
  when: z.object({
    clickId: z.string().optional(),
    utm_source: z.array(z.string()).optional(),
    utm_medium: z.array(z.string()).optional(),
  }),
  source: z.string().min(1),
});
export type SourceRule = z.infer<typeof sourceRuleSchema>;

export const integrationSchema = z.object({
  integrationId: identifierSchema,
  format: z.enum(INTEGRATION_FORMATS),
  source: z.string().min(1),
  channel: z.string().min(1),
  auth: z.object({
    type: z.enum(AUTH_TYPES),
    /** Name of the secret in the secret store (Secrets Manager in AWS). */
    secretName: z.string().min(1),
  }),
  /** Meta form id to site id. */
  formSites: z.record(z.string(), z.string()).default({}),
  sourceRules: z.array(sourceRuleSchema).default([]),
});
export type Integration = z.infer<typeof integrationSchema>;

export const teamMemberSchema = z.object({
  salespersonId: z.string().min(1),
  name: z.string().min(1),
  siteId: z.string().min(1),
  team: z.string().min(1),
});
export type TeamMember = z.infer<typeof teamMemberSchema>;

export const tenantConfigSchema = z.object({
  tenantId: identifierSchema,
  name: z.string().min(1),
  currency: z.string().length(3).default('EUR'),
  /** Time zone that dates leads with no site. */
  defaultTimeZone: z.string().min(1).default('Europe/Paris'),
  sites: z.array(siteSchema),
  integrations: z.array(integrationSchema),
  team: z.array(teamMemberSchema).default([]),
  /**
   * Days after a person's first lead during which a lead with the same normalised email or phone counts as
   * a repeat of it rather than a new prospect.
   */
  personWindowDays: z.number().int().min(1).max(366).default(30),
});
export type TenantConfig = z.infer<typeof tenantConfigSchema>;

/**
 * Credentials of one integration, as stored in the secret store (a JSON object).
 * HMAC integrations use `secret`, Google lead forms `key`, Meta `appSecret` and `verifyToken`.
 * After a rotation, an HMAC integration also accepts `previousSecret` until `previousValidUntil`, so the
 * sender can switch to the new secret without losing deliveries.
 */
export const integrationSecretSchema = z.object({
  secret: z.string().min(1).optional(),
  previousSecret: z.string().min(1).optional(),
  /** ISO 8601 instant after which `previousSecret` is rejected. */
  previousValidUntil: z.iso.datetime({ offset: true }).optional(),
  key: z.string().min(1).optional(),
  appSecret: z.string().min(1).optional(),
  verifyToken: z.string().min(1).optional(),
  /** Page access token for Graph API lead retrieval (Meta). */
  accessToken: z.string().min(1).optional(),
});
export type IntegrationSecret = z.infer<typeof integrationSecretSchema>;

/** Name of the secret that keys the pseudonymous person ids of a tenant (HMAC key, hex). */
export function personIdKeySecretName(tenantId: string): string {
  return `leadpilot/${tenantId}/person-id-key`;
}

/** Name under which an integration's secret is stored. */
export function integrationSecretName(tenantId: string, integrationId: string): string {
  return `leadpilot/${tenantId}/${integrationId}`;
}
