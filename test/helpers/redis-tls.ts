/**
 * Starts a throwaway TLS-only `redis-server` with `requirepass`, on a free loopback port.
 *
 * The certificates are made for the occasion with `openssl` (a CA, and a server certificate
 * signed by it for `127.0.0.1` and `localhost`) in a temp dir; the plain TCP port is disabled
 * (`--port 0`), clients are not asked for certificates (`--tls-auth-clients no`).
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { findBinary, findFreePort, type RedisServerHandle, startRedisServer } from './redis-server.js';

const run = promisify(execFile);

/** Files and contents of the certificates made by {@link makeTestCertificates}. */
export interface TestCertificates {
  readonly dir: string;
  readonly caPath: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** The CA certificate (PEM), for `tls: { ca }`. */
  readonly ca: Buffer;
  /** Removes the directory. */
  remove(): void;
}

/** Path of `openssl`: `$OPENSSL_BIN`, then `$PATH` and the usual locations. */
export function findOpensslBinary(): string | undefined {
  return findBinary('openssl', 'OPENSSL_BIN');
}

/**
 * A CA and a server certificate for `127.0.0.1` / `localhost` signed by it (RSA 2048, 2 days),
 * in a new temp dir.
 *
 * @throws {Error} when `openssl` is missing or fails.
 */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const openssl = findOpensslBinary();
  if (!openssl) throw new Error('openssl binary not found (install openssl or set OPENSSL_BIN)');
  const dir = mkdtempSync(join(tmpdir(), 'arc-tls-'));
  const at = (name: string) => join(dir, name);
  try {
    const ssl = (args: string[]) => run(openssl, args, { cwd: dir, timeout: 30_000 });
    await ssl(
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=arc-test-ca'].concat([
        '-keyout',
        at('ca.key'),
        '-out',
        at('ca.crt'),
      ]),
    );
    await ssl(
      ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1'].concat([
        '-keyout',
        at('server.key'),
        '-out',
        at('server.csr'),
      ]),
    );
    writeFileSync(
      at('server.ext'),
      'subjectAltName = IP:127.0.0.1, DNS:localhost\nkeyUsage = digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\n',
    );
    await ssl([
      'x509',
      '-req',
      '-in',
      at('server.csr'),
      '-CA',
      at('ca.crt'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      at('server.ext'),
      '-out',
      at('server.crt'),
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    caPath: at('ca.crt'),
    certPath: at('server.crt'),
    keyPath: at('server.key'),
    ca: readFileSync(at('ca.crt')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Control handle of a server started by {@link startTlsRedisServer}. */
export interface TlsRedisServerHandle {
  /** `rediss://:<password>@127.0.0.1:<port>` */
  readonly url: string;
  /** `rediss://127.0.0.1:<port>` (no credentials). */
  readonly urlWithoutPassword: string;
  readonly port: number;
  readonly password: string;
  readonly certificates: TestCertificates;
  /** The underlying process handle (stop, pause, ...). */
  readonly server: RedisServerHandle;
  /** Stops the server and removes the certificates. */
  stop(): Promise<void>;
}

/** Resolves `true` once a TLS handshake (trusting `ca`) and a `PING` get `-NOAUTH` / `+PONG`. */
function tlsPing(port: number, ca: Buffer, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
    let reply = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', () => done(false));
    socket.once('secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

/**
 * Makes certificates, then starts `redis-server --port 0 --tls-port P --requirepass <random>`
 * and waits until it answers over TLS.
 */
export async function startTlsRedisServer(): Promise<TlsRedisServerHandle> {
  const certificates = await makeTestCertificates();
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const port = await findFreePort();
  let server: RedisServerHandle;
  try {
    server = await startRedisServer({
      port,
      label: 'TLS redis-server',
      // `--port 0` after the launcher's `--port P` wins: plain TCP is off, only TLS listens.
      args: [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        certificates.certPath,
        '--tls-key-file',
        certificates.keyPath,
        '--tls-ca-cert-file',
        certificates.caPath,
        '--tls-auth-clients',
        'no',
        '--requirepass',
        password,
      ],
      probe: (p) => tlsPing(p, certificates.ca),
    });
  } catch (error) {
    certificates.remove();
    throw error;
  }
  return {
    url: `rediss://:${password}@127.0.0.1:${port}`,
    urlWithoutPassword: `rediss://127.0.0.1:${port}`,
    port,
    password,
    certificates,
    server,
    stop: async () => {
      await server.stop();
      certificates.remove();
    },
  };
}
