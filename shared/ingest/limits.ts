/** Largest webhook body accepted, in bytes. Real lead payloads are a few KB; ADF with attachments stays far below. */
export const MAX_BODY_BYTES = 256 * 1024;
