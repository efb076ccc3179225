/**
 * A local stand-in for the AWS Parameters and Secrets Lambda Extension: the same routes, the
 * same token header, JSON shaped like the real answers. Tests start it on a free port.
 */
import * as http from 'http';
import * as net from 'net';

export interface StandIn {
  readonly port: number;
  /** Every request's URL, in arrival order. */
  readonly requests: string[];
  /** Names that never get an answer (to exercise timeouts). */
  readonly hang: Set<string>;
  stop(): Promise<void>;
}

export interface StandInContent {
  readonly token: string;
  readonly parameters: Record<string, string>;
  readonly secrets: Record<string, string>;
}

export function startStandIn(content: StandInContent, port = 0): Promise<StandIn> {
  const requests: string[] = [];
  const hang = new Set<string>();
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.headers['x-aws-parameters-secrets-token'] !== content.token) {
      return reply(401, 'missing or wrong X-Aws-Parameters-Secrets-Token');
    }
    const name = url.searchParams.get('name') ?? url.searchParams.get('secretId') ?? '';
    if (hang.has(name)) {
      hanging.push(res);
      return;
    }
    if (url.pathname === '/systemsmanager/parameters/get') {
      if (!(name in content.parameters)) return reply(400, `ParameterNotFound: ${name}`);
      return reply(200, { Parameter: { Name: name, Type: 'SecureString', Value: content.parameters[name], Version: 1 } });
    }
    if (url.pathname === '/secretsmanager/get') {
      if (!(name in content.secrets)) return reply(400, `ResourceNotFoundException: ${name}`);
      return reply(200, { ARN: name, Name: name, SecretString: content.secrets[name], VersionStages: ['AWSCURRENT'] });
    }
    return reply(404, 'no such route');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        requests,
        hang,
        stop: () => new Promise<void>((done) => {
          hanging.forEach((res) => res.destroy());
          server.close(() => done());
        }),
      });
    });
  });
}

export { freePort } from '../support/moto';
