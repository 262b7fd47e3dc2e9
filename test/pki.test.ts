import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

import { Client } from 'pg';

import { CA_CERT_FILE_NAME } from '../src/pki/pki.service';
import { createCaCertificate } from '../src/pki/x509';
import { startTestApp, tempDir, type TestApp } from './support/app';

const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const CA_QUERY = '{ platformCa { certificatePem fingerprint subject keyAlgorithm notBefore notAfter } }';

/** Completes a TLS handshake against the credentials, verifying the server with `caPem` for `servername`/`host`. */
async function handshake(creds: { keyPem: string; certPem: string }, caPem: string, host: string): Promise<tls.PeerCertificate> {
  const server = tls.createServer({ key: creds.keyPem, cert: creds.certPem }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<tls.PeerCertificate>((resolve, reject) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port, ca: caPem, servername: host === '127.0.0.1' ? undefined : host, checkServerIdentity: (_h, cert) => tls.checkServerIdentity(host, cert) },
        () => {
          const cert = socket.getPeerCertificate();
          socket.destroy();
          resolve(cert);
        },
      );
      socket.once('error', reject);
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('platform CA', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('is generated on first start (ECDSA P-256), public through platformCa', async () => {
    const r = await app.gql(CA_QUERY);
    expect(r.errors).toBeUndefined();
    const ca = r.data.platformCa;
    const cert = new crypto.X509Certificate(ca.certificatePem);
    expect(cert.ca).toBe(true);
    expect(cert.fingerprint256).toBe(ca.fingerprint);
    expect(ca.keyAlgorithm).toBe('ECDSA');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.verify(cert.publicKey)).toBe(true);
    // Long validity: years, not days.
    expect(new Date(ca.notAfter).getTime() - Date.now()).toBeGreaterThan(10 * 365 * 24 * 3600 * 1000);
    expect(app.services.pki.caCertificatePem()).toBe(ca.certificatePem);
    expect(fs.readFileSync(path.join(app.dataDir, CA_CERT_FILE_NAME), 'utf8')).toBe(ca.certificatePem);
  });

  it('keeps its private key encrypted at rest', async () => {
    const rows = await app.services.ds.query('SELECT * FROM pki_authorities');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('PRIVATE KEY');
    expect(rows[0].key_ciphertext).toMatch(/^v1\./);
  });

  it('issues a TLS server certificate for the configured hosts that clients verify with the CA', async () => {
    const creds = await app.services.pki.serverTlsCredentials();
    expect(creds.caPem).toBe(app.services.pki.caCertificatePem());
    const cert = new crypto.X509Certificate(creds.certPem);
    expect(cert.checkIssued(new crypto.X509Certificate(creds.caPem))).toBe(true);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(await app.services.pki.serverTlsCredentials()).toBe(await app.services.pki.serverTlsCredentials());
    expect((await handshake(creds, creds.caPem, 'localhost')).fingerprint256).toBe(cert.fingerprint256);
    expect((await handshake(creds, creds.caPem, '127.0.0.1')).fingerprint256).toBe(cert.fingerprint256);
    await expect(handshake(creds, creds.caPem, 'elsewhere.example')).rejects.toThrow();
  });
});

describe('platform CA persistence and configuration', () => {
  it('survives a restart with the same data directory', async () => {
    const dataDir = tempDir();
    try {
      const first = await startTestApp({ dataDir });
      const a = (await first.gql(CA_QUERY)).data.platformCa;
      await first.stop();
      const second = await startTestApp({ dataDir });
      const b = (await second.gql(CA_QUERY)).data.platformCa;
      await second.stop();
      expect(b).toEqual(a);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is generated as RSA 2048 when configured', async () => {
    const app = await startTestApp({ config: { pki: { caKeyAlgorithm: 'RSA' } as never } });
    try {
      const ca = (await app.gql(CA_QUERY)).data.platformCa;
      expect(ca.keyAlgorithm).toBe('RSA');
      const cert = new crypto.X509Certificate(ca.certificatePem);
      expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      const creds = await app.services.pki.serverTlsCredentials();
      await handshake(creds, creds.caPem, 'localhost');
    } finally {
      await app.stop();
    }
  });

  it('loads an existing CA from PEM files (SEC1 EC key) instead of generating one', async () => {
    const dir = tempDir();
    const now = new Date();
    const ca = await createCaCertificate({ algorithm: 'ECDSA', commonName: 'Acme Devices CA', notBefore: now, notAfter: new Date(now.getTime() + 86400e3 * 365) });
    const certFile = path.join(dir, 'ca.crt');
    const keyFile = path.join(dir, 'ca.key');
    fs.writeFileSync(certFile, ca.certificatePem);
    fs.writeFileSync(keyFile, crypto.createPrivateKey(ca.privateKeyPem).export({ type: 'sec1', format: 'pem' }));
    const app = await startTestApp({ config: { pki: { caKeyAlgorithm: 'ECDSA', caValidityDays: 7300, defaultCertValidityDays: 365, caCertFile: certFile, caKeyFile: keyFile } } });
    try {
      const r = (await app.gql(CA_QUERY)).data.platformCa;
      expect(r.fingerprint).toBe(ca.fingerprint);
      expect(r.subject).toContain('CN=Acme Devices CA');
      const creds = await app.services.pki.serverTlsCredentials();
      await handshake(creds, ca.certificatePem, 'localhost');
      expect(await app.services.ds.query('SELECT * FROM pki_authorities')).toHaveLength(0);
    } finally {
      await app.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a CA key that does not match the CA certificate', async () => {
    const dir = tempDir();
    const now = new Date();
    const a = await createCaCertificate({ algorithm: 'ECDSA', commonName: 'A', notBefore: now, notAfter: new Date(now.getTime() + 86400e3) });
    const b = await createCaCertificate({ algorithm: 'ECDSA', commonName: 'B', notBefore: now, notAfter: new Date(now.getTime() + 86400e3) });
    fs.writeFileSync(path.join(dir, 'ca.crt'), a.certificatePem);
    fs.writeFileSync(path.join(dir, 'ca.key'), b.privateKeyPem);
    try {
      await expect(
        startTestApp({ config: { pki: { caKeyAlgorithm: 'ECDSA', caValidityDays: 7300, defaultCertValidityDays: 365, caCertFile: path.join(dir, 'ca.crt'), caKeyFile: path.join(dir, 'ca.key') } } }),
      ).rejects.toThrow(/does not match/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is one CA for several instances sharing a PostgreSQL database, even when they start together', async () => {
    const name = `portico_test_pki_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = `postgres://postgres@127.0.0.1:5432/${name}`;
    const secret = crypto.randomBytes(32).toString('base64');
    const start = () => startTestApp({ config: { serverSecret: secret, database: { type: 'postgres', url, sqlitePath: '', logging: false } } });
    // The first start runs the migrations; the next two race to create the CA... after a reset.
    const seed = await start();
    await seed.services.ds.query('DELETE FROM pki_authorities');
    await seed.stop();
    const apps = await Promise.all([start(), start(), start()]);
    try {
      const fingerprints = await Promise.all(apps.map(async (a) => (await a.gql(CA_QUERY)).data.platformCa.fingerprint));
      expect(new Set(fingerprints).size).toBe(1);
      const rows = await apps[0]!.services.ds.query('SELECT id FROM pki_authorities');
      expect(rows).toHaveLength(1);
    } finally {
      await Promise.all(apps.map((a) => a.stop()));
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    }
  });
});
