/**
 * Reads parameters and secrets through the AWS Parameters and Secrets Lambda Extension, which
 * serves them on localhost from its own cache: no AWS SDK call per invocation.
 *
 * The extension is not reachable during the function's INIT phase and may need a moment after
 * it, so connection failures are retried until `readyTimeoutMs`. Every request has a timeout:
 * the extension's own calls to AWS have none unless the function sets one.
 */
import * as http from 'http';

/** Header the extension checks against the function's session token. */
export const TOKEN_HEADER = 'X-Aws-Parameters-Secrets-Token';

/** Port of the extension unless `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` says otherwise. */
export const DEFAULT_EXTENSION_PORT = 2773;

export interface ConfigReaderOptions {
  /** @default - PARAMETERS_SECRETS_EXTENSION_HTTP_PORT at each request, else 2773 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default - AWS_SESSION_TOKEN, read at each request */
  readonly token?: string;
  /** Time allowed for one request. @default 3000 */
  readonly requestTimeoutMs?: number;
  /** How long to keep retrying while the extension refuses connections. @default 5000 */
  readonly readyTimeoutMs?: number;
  /** Pause between two connection attempts. @default 50 */
  readonly retryDelayMs?: number;
  /** How long a value is kept in this container before asking the extension again. @default 30000 */
  readonly cacheMaxAgeMs?: number;
}

/** A read that failed; the message names what was read, never a value. */
export class ConfigReadError extends Error {
  constructor(message: string, public readonly statusCode?: number) {
    super(message);
    this.name = 'ConfigReadError';
  }
}

interface CacheEntry {
  readonly value: Promise<string>;
  readonly expiresAt: number;
}

interface HttpAnswer {
  readonly statusCode: number;
  readonly body: string;
}

const RETRYABLE_CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET']);

export class ConfigReader {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly options: Required<Omit<ConfigReaderOptions, 'token' | 'port'>> & { token?: string; port?: number };

  constructor(options: ConfigReaderOptions = {}) {
    this.options = {
      port: options.port,
      host: options.host ?? '127.0.0.1',
      token: options.token,
      requestTimeoutMs: options.requestTimeoutMs ?? 3_000,
      readyTimeoutMs: options.readyTimeoutMs ?? 5_000,
      retryDelayMs: options.retryDelayMs ?? 50,
      cacheMaxAgeMs: options.cacheMaxAgeMs ?? 30_000,
    };
  }

  /** The decrypted value of a String, StringList or SecureString parameter. */
  public parameter(name: string): Promise<string> {
    const path = `/systemsmanager/parameters/get?name=${encodeURIComponent(name)}&withDecryption=true`;
    return this.cached(`parameter:${name}`, async () => {
      const body = await this.get(path, `parameter '${name}'`);
      const value = (JSON.parse(body) as { Parameter?: { Value?: string } }).Parameter?.Value;
      if (typeof value !== 'string') throw new ConfigReadError(`parameter '${name}': the extension's answer holds no Parameter.Value`);
      return value;
    });
  }

  /** The items of a StringList parameter. */
  public async stringList(name: string): Promise<string[]> {
    const value = await this.parameter(name);
    return value === '' ? [] : value.split(',');
  }

  /** The SecretString of a secret (AWSCURRENT), by name or ARN. */
  public secret(secretId: string): Promise<string> {
    const path = `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
    return this.cached(`secret:${secretId}`, async () => {
      const body = await this.get(path, `secret '${secretId}'`);
      const value = (JSON.parse(body) as { SecretString?: string }).SecretString;
      if (typeof value !== 'string') throw new ConfigReadError(`secret '${secretId}': the extension's answer holds no SecretString`);
      return value;
    });
  }

  private cached(key: string, load: () => Promise<string>): Promise<string> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = load();
    this.cache.set(key, { value, expiresAt: now + this.options.cacheMaxAgeMs });
    // A failure is not cached: the next call asks again.
    value.catch(() => this.cache.delete(key));
    return value;
  }

  private async get(path: string, what: string): Promise<string> {
    const deadline = Date.now() + this.options.readyTimeoutMs;
    for (;;) {
      try {
        const answer = await this.request(path, what);
        if (answer.statusCode === 200) return answer.body;
        throw new ConfigReadError(`reading ${what} failed with HTTP ${answer.statusCode}: ${summary(answer.body)}`, answer.statusCode);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (!code || !RETRYABLE_CONNECT_ERRORS.has(code) || Date.now() >= deadline) {
          if (code && RETRYABLE_CONNECT_ERRORS.has(code)) {
            throw new ConfigReadError(`reading ${what}: the extension was not ready within ${this.options.readyTimeoutMs} ms (${code})`);
          }
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs));
      }
    }
  }

  private request(path: string, what: string): Promise<HttpAnswer> {
    // Read at each request, like the token: the environment is the extension's, not the module's.
    const envPort = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT;
    const port = this.options.port ?? (envPort ? Number(envPort) : DEFAULT_EXTENSION_PORT);
    const token = this.options.token ?? process.env.AWS_SESSION_TOKEN;
    if (!token) return Promise.reject(new ConfigReadError(`reading ${what}: AWS_SESSION_TOKEN is not set`));
    return new Promise((resolve, reject) => {
      const req = http.get({
        host: this.options.host,
        port,
        path,
        headers: { [TOKEN_HEADER]: token },
        timeout: this.options.requestTimeoutMs,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new ConfigReadError(`reading ${what} timed out after ${this.options.requestTimeoutMs} ms`)));
      req.on('error', reject);
    });
  }
}

/** First line of an error body, short: enough to diagnose, never a whole document. */
function summary(body: string): string {
  const line = body.split('\n')[0].trim();
  return line.length > 200 ? `${line.slice(0, 200)}...` : line || '(empty body)';
}
