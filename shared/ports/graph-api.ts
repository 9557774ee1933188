/** Meta's Graph API, as far as lead retrieval goes. */
export interface GraphApi {
  /**
   * Fetches one lead by its leadgen id and returns the Graph response body, parsed but not validated.
   * Retries 429 and 5xx answers with backoff; throws `GraphApiError` once the retries are spent.
   */
  fetchLead(leadgenId: string, accessToken: string | undefined): Promise<unknown>;
}
