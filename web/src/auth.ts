/**
 * Sign-in. The dashboard reads `/config.json` to learn the auth mode:
 * - `dev-token` (the local stack): the user pastes a dev token from `npm run token`;
 * - `cognito` (AWS): the Cognito hosted UI's authorization-code flow with PKCE, whose ID token the API's JWT
 *   authorizer accepts (audience = the app client id).
 * The token lives in sessionStorage, so it ends with the browser tab.
 */

const TOKEN_STORAGE_KEY = 'leadpilot.token';
const PKCE_STORAGE_KEY = 'leadpilot.pkce';

export type AuthConfig =
  | { auth: 'dev-token' }
  | { auth: 'cognito'; cognito: { domain: string; clientId: string; redirectUri: string; scopes: string[] } };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Fetches and checks `/config.json`. */
export async function loadConfig(): Promise<AuthConfig> {
  const response = await fetch('/config.json', { headers: { accept: 'application/json' } });
  if (!response.ok) {
    throw new ConfigError(`GET /config.json returned ${response.status}`);
  }
  return parseConfig(await response.json());
}

export function parseConfig(value: unknown): AuthConfig {
  if (!isRecord(value)) {
    throw new ConfigError('config.json must be a JSON object');
  }
  if (value.auth === 'dev-token') {
    return { auth: 'dev-token' };
  }
  if (value.auth !== 'cognito') {
    throw new ConfigError(`config.json: auth must be "dev-token" or "cognito", not ${JSON.stringify(value.auth)}`);
  }
  const cognito = value.cognito;
  if (!isRecord(cognito)) {
    throw new ConfigError('config.json: cognito must be an object with domain, clientId and redirectUri');
  }
  const { domain, clientId, redirectUri, scopes } = cognito;
  if (typeof domain !== 'string' || typeof clientId !== 'string' || typeof redirectUri !== 'string') {
    throw new ConfigError('config.json: cognito.domain, cognito.clientId and cognito.redirectUri must be strings');
  }
  const scopeList = Array.isArray(scopes) && scopes.every((scope) => typeof scope === 'string') ? scopes : ['openid'];
  return { auth: 'cognito', cognito: { domain: domain.replace(/\/+$/, ''), clientId, redirectUri, scopes: scopeList } };
}

/** Returns the stored token when it has not expired. */
export function storedToken(): string | undefined {
  const token = sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? undefined;
  if (token && !isUsableJwt(token)) {
    sessionStorage.removeItem(TOKEN_STORAGE_KEY);
    return undefined;
  }
  return token;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_STORAGE_KEY);
}

/**
 * Checks that a string is a JWT whose `exp` is in the future. The signature is not checked here: the API's
 * authorizer does that on every request, and a forged token only gets 401 answers.
 */
export function isUsableJwt(token: string): boolean {
  const payload = token.split('.')[1];
  if (token.split('.').length !== 3 || !payload) {
    return false;
  }
  try {
    const claims: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    return isRecord(claims) && typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
  } catch {
    return false;
  }
}

/** Starts the hosted UI sign-in: stores a PKCE verifier and a state, then leaves the page for Cognito. */
export async function startCognitoSignIn(config: Extract<AuthConfig, { auth: 'cognito' }>['cognito']): Promise<void> {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64Url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  // The page to come back to after sign-in keeps the filters of a shared link.
  const returnTo = `${location.pathname}${location.search}`;
  sessionStorage.setItem(PKCE_STORAGE_KEY, JSON.stringify({ verifier, state, returnTo }));
  const authorize = new URL(`${config.domain}/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: config.scopes.join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(authorize.href);
}

/**
 * Completes the hosted UI sign-in when the page is Cognito's redirect (`?code=…&state=…`): exchanges the code
 * for tokens and stores the ID token. Returns the path to show next, or undefined when the page is no redirect.
 *
 * NOTE: written against Cognito's documented token endpoint and not run here, because the local stack has no
 * Cognito; the CDK app must enable the authorization-code grant and this redirect URI on the app client.
 */
export async function completeCognitoSignIn(
  config: Extract<AuthConfig, { auth: 'cognito' }>['cognito'],
): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const state = params.get('state');
  const error = params.get('error');
  if (error) {
    throw new Error(params.get('error_description') ?? error);
  }
  if (!code || !state) {
    return undefined;
  }
  const pending = readPendingSignIn();
  sessionStorage.removeItem(PKCE_STORAGE_KEY);
  if (!pending || pending.state !== state) {
    throw new Error('the sign-in state does not match; start the sign-in again');
  }
  const response = await fetch(`${config.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code,
      redirect_uri: config.redirectUri,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) {
    throw new Error(`the token endpoint returned ${response.status}`);
  }
  const tokens: unknown = await response.json();
  if (!isRecord(tokens) || typeof tokens.id_token !== 'string') {
    throw new Error('the token endpoint returned no ID token');
  }
  storeToken(tokens.id_token);
  return pending.returnTo;
}

function readPendingSignIn(): { verifier: string; state: string; returnTo: string } | undefined {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(PKCE_STORAGE_KEY) ?? 'null');
    if (
      isRecord(value) &&
      typeof value.verifier === 'string' &&
      typeof value.state === 'string' &&
      typeof value.returnTo === 'string'
    ) {
      return { verifier: value.verifier, state: value.state, returnTo: value.returnTo };
    }
  } catch {
    // A damaged entry is treated as no pending sign-in.
  }
  return undefined;
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
