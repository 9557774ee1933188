/** Reads secrets by name; adapters cache values so a warm function does not call the store per request. */
export interface SecretStore {
  /** Returns the secret's string value, or undefined when no secret has that name. */
  getSecret(name: string): Promise<string | undefined>;
}
