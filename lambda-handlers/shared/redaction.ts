/**
 * Removes secret values from text before it is logged or sent to CloudFormation.
 *
 * AWS error messages may echo request input (a value that failed validation, say). Every
 * secret the handler holds is registered here, and every message passes through `redact`.
 */

export const REDACTED = '[REDACTED]';

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a value that must never appear in output. Empty values are ignored. */
  public add(secret: string | undefined): void {
    if (!secret) return;
    this.secrets.add(secret);
    // The same value as it appears inside JSON (quotes, backslashes, control characters escaped).
    const jsonForm = JSON.stringify(secret).slice(1, -1);
    if (jsonForm !== secret) this.secrets.add(jsonForm);
  }

  public redact(text: string): string {
    // Longest first, so a secret that contains another is removed whole.
    const ordered = [...this.secrets].sort((a, b) => b.length - a.length);
    let result = text;
    for (const secret of ordered) {
      result = result.split(secret).join(REDACTED);
    }
    return result;
  }
}

/** Replaces every occurrence of one `secret` in `text` (raw and JSON-escaped). */
export function withoutSecret(text: string, secret: string): string {
  const redactor = new Redactor();
  redactor.add(secret);
  return redactor.redact(text);
}
