/**
 * Development JWTs for the local gateway. In AWS, Cognito issues the tokens. Locally, an HS256 secret stored in
 * `<dataDir>/dev-jwt-secret` signs them, so tokens stay valid across restarts of the same data directory.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jwtVerify, SignJWT } from 'jose';
import { API_AUDIENCE, CLAIMS } from '#shared/http/routes';
import { StackNotFoundError } from './errors';

/** Issuer of local tokens; the gateway rejects any other. */
export const DEV_TOKEN_ISSUER = 'leadpilot-local';

const SECRET_FILE = 'dev-jwt-secret';
const HEX_SECRET = /^[0-9a-f]{64}$/;

export interface DevTokenClaims {
  tenantId: string;
  /** `group-admin` (the default) or `site-manager`... the API decides what each role may do. */
  role?: string;
  /** Comma-separated site ids, or `*` (the default) for every site. */
  sites?: string;
  subject?: string;
  /** Salesperson id of the tenant team, for the `salesperson` role; the API falls back to `subject` without it. */
  salesperson?: string;
  ttlSeconds?: number;
}

/** Reads the secret, creating a random 32-byte one (file mode 600) on first use. */
export async function ensureDevJwtSecret(dataDir: string): Promise<Uint8Array> {
  const existing = await readSecretFile(dataDir);
  if (existing) {
    return existing;
  }
  const hex = randomBytes(32).toString('hex');
  // `wx` fails if another process created the file meanwhile; its secret then wins.
  await writeFile(join(dataDir, SECRET_FILE), `${hex}\n`, { mode: 0o600, flag: 'wx' }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  });
  return readDevJwtSecret(dataDir);
}

/** Reads the secret; throws `StackNotFoundError` when the stack never ran with this data directory. */
export async function readDevJwtSecret(dataDir: string): Promise<Uint8Array> {
  const secret = await readSecretFile(dataDir);
  if (!secret) {
    throw new StackNotFoundError(
      `No dev JWT secret in ${join(dataDir, SECRET_FILE)}; start the stack once with npm start (or set LEADPILOT_DATA_DIR to its data directory)`,
    );
  }
  return secret;
}

async function readSecretFile(dataDir: string): Promise<Uint8Array | undefined> {
  let text: string;
  try {
    text = (await readFile(join(dataDir, SECRET_FILE), 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  if (!HEX_SECRET.test(text)) {
    throw new StackNotFoundError(
      `${join(dataDir, SECRET_FILE)} must contain 64 hex digits; delete it to get a new one`,
    );
  }
  return Buffer.from(text, 'hex');
}

/** Signs an HS256 token with the claims that the API reads, all as strings, like Cognito's custom attributes. */
export async function issueDevToken(secret: Uint8Array, claims: DevTokenClaims): Promise<string> {
  const ttlSeconds = claims.ttlSeconds ?? 12 * 3600;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    [CLAIMS.tenant]: claims.tenantId,
    [CLAIMS.role]: claims.role ?? 'group-admin',
    [CLAIMS.sites]: claims.sites ?? '*',
    ...(claims.salesperson === undefined ? {} : { [CLAIMS.salesperson]: claims.salesperson }),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(DEV_TOKEN_ISSUER)
    .setAudience(API_AUDIENCE)
    .setSubject(claims.subject ?? `dev-${claims.tenantId}-${claims.role ?? 'group-admin'}`)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(secret);
}

/** Verifies a token as the gateway's JWT authorizer does (HS256, audience, issuer, expiry) and returns its claims. */
export async function verifyDevToken(secret: Uint8Array, token: string): Promise<Record<string, unknown>> {
  const { payload } = await jwtVerify(token, secret, {
    algorithms: ['HS256'],
    audience: API_AUDIENCE,
    issuer: DEV_TOKEN_ISSUER,
  });
  return payload;
}
