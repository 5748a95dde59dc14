/**
 * A fake AWS Secrets Manager on 127.0.0.1 (ephemeral port) for the cold-start benchmark: the
 * gateway's real SecretsManagerClient reaches it through AWS_ENDPOINT_URL_SECRETS_MANAGER.
 * GetSecretValue only, in the service's JSON 1.1 protocol; an unknown secret gets the
 * service's ResourceNotFoundException. Node built-ins only.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSecretsManager {
  readonly url: string;
  /** GetSecretValue calls answered, in order (secret ids). */
  readonly reads: string[];
  close(): Promise<void>;
}

export function startFakeSecretsManager(secrets: Readonly<Record<string, string>>): Promise<FakeSecretsManager> {
  const reads: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const reply = (status: number, body: unknown): void => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'content-length': String(Buffer.byteLength(text)),
          'x-amzn-requestid': `req-${reads.length}`,
        });
        res.end(text);
      };
      if (target !== 'secretsmanager.GetSecretValue') {
        reply(400, { __type: 'UnknownOperationException', message: `unknown operation ${String(target)}` });
        return;
      }
      let secretId: string;
      try {
        secretId = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown }).SecretId);
      } catch {
        reply(400, { __type: 'SerializationException', message: 'the request body is not JSON' });
        return;
      }
      const value = secrets[secretId];
      if (value === undefined) {
        reply(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      reads.push(secretId);
      reply(200, {
        ARN: secretId.startsWith('arn:')
          ? secretId
          : `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secretId}`,
        Name: secretId,
        SecretString: value,
        VersionId: '00000000-0000-0000-0000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_700_000_000,
      });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        reads,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
