/**
 * Keeps secret values out of logs and error messages. Every secret value the handler reads is
 * registered here first; anything that leaves the handler as text goes through `redact`.
 */
export const REDACTED = '*****';

export class Redactor {
  private readonly secrets = new Set<string>();

  public register(...values: Array<string | undefined>): void {
    for (const value of values) {
      if (value) this.secrets.add(value);
    }
  }

  public redact(text: string): string {
    let result = text;
    // Longest first, so a secret that contains another is replaced whole.
    const ordered = [...this.secrets].sort((a, b) => b.length - a.length);
    for (const secret of ordered) {
      result = result.split(secret).join(REDACTED);
    }
    return result;
  }
}

/** Replaces every occurrence of `secret` in `text`. */
export function withoutSecret(text: string, secret: string): string {
  return secret ? text.split(secret).join(REDACTED) : text;
}
