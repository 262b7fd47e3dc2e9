import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';

import { bundleFileBase } from '../src/certificates/certificate.service';
import type { RegistryEvents } from '../src/common/events';
import { x509 } from '../src/pki/x509';
import { type DbKind, errorCode, signUp, startTestApp, type TestApp } from './support/app';

const CERT_FIELDS =
  'id name commonName serialNumber fingerprint keyAlgorithm notBefore notAfter status revokedAt revocationReason certificatePem privateKeyPem rootCaPem bundlePath createdAt devices { id name }';
const DAY = 24 * 3600 * 1000;

/** Lists and reads a zip with Debian's python zipfile (an independent reader that checks the CRCs). */
function readZip(zip: Buffer): Record<string, string> {
  const out = execFileSync(
    '/usr/bin/python3',
    ['-c', 'import sys, zipfile, io, json; z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())); assert z.testzip() is None; print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))'],
    { input: zip },
  );
  return JSON.parse(out.toString()) as Record<string, string>;
}

describe.each<DbKind>(['sqlite', 'postgres'])('certificates on %s', (db) => {
  let app: TestApp;
  let now: Date;
  let alice: { token: string; id: string; orgId: string };
  let bob: { token: string; id: string; orgId: string };
  const withdrawn: Array<RegistryEvents['certificateWithdrawn'][0]> = [];

  beforeAll(async () => {
    now = new Date();
    // Session tokens outlive the clock jumps below.
    app = await startTestApp({ db, app: { clock: () => now }, config: { auth: { tokenTtlSeconds: 10 * 365 * 86400, passwordHashCost: 1024 } } });
    app.services.bus.on('certificateWithdrawn', (e) => withdrawn.push(e));
    alice = await signUp(app);
    bob = await signUp(app);
  });
  afterAll(() => app.stop());
  beforeEach(() => {
    now = new Date();
    withdrawn.length = 0;
  });

  const create = async (vars: Record<string, unknown>, token = alice.token) => {
    const r = await app.gql(`mutation($n:String!,$v:Int,$k:KeyAlgorithm,$cn:String){ createCertificate(name:$n,validityDays:$v,keyAlgorithm:$k,commonName:$cn){ ${CERT_FIELDS} } }`, vars, token);
    return r;
  };
  const createOk = async (name: string, extra: Record<string, unknown> = {}, token = alice.token) => {
    const r = await create({ n: name, ...extra }, token);
    expect(r.errors).toBeUndefined();
    return r.data.createCertificate;
  };
  const device = async (authType: 'TOKEN' | 'CERTIFICATE', token = alice.token) => {
    const r = await app.gql('mutation($a:DeviceAuthType){ createDevice(input:{name:"dev",authType:$a}){ id deviceNumber } }', { a: authType }, token);
    expect(r.errors).toBeUndefined();
    return r.data.createDevice as { id: string; deviceNumber: string };
  };
  const bind = (certificateId: string, deviceId: string, token = alice.token) =>
    app.gql('mutation($c:ID!,$d:ID!){ bindCertificate(certificateId:$c,deviceId:$d){ id devices { id } } }', { c: certificateId, d: deviceId }, token);
  const unbind = (certificateId: string, deviceId: string, token = alice.token) =>
    app.gql('mutation($c:ID!,$d:ID!){ unbindCertificate(certificateId:$c,deviceId:$d){ id devices { id } } }', { c: certificateId, d: deviceId }, token);
  const revoke = (id: string, reason?: string, token = alice.token) =>
    app.gql('mutation($id:ID!,$r:String){ revokeCertificate(id:$id,reason:$r){ id status revokedAt revocationReason } }', { id, r: reason }, token);
  const download = (id: string, authorization?: string) => fetch(`${app.url}/certificates/${id}/bundle.zip`, { headers: authorization ? { authorization } : {} });

  it('issues an ECDSA P-256 client certificate signed by the platform CA, with its key for the owner', async () => {
    const c = await createOk('Hall sensor');
    expect(c).toMatchObject({ name: 'Hall sensor', commonName: 'Hall sensor', keyAlgorithm: 'ECDSA', status: 'ACTIVE', revokedAt: null, devices: [] });
    expect(c.bundlePath).toBe(`/certificates/${c.id}/bundle.zip`);
    const cert = new crypto.X509Certificate(c.certificatePem);
    const ca = new crypto.X509Certificate(app.services.pki.caCertificatePem());
    expect(c.rootCaPem).toBe(ca.toString());
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subject).toBe('CN=Hall sensor');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.fingerprint256).toBe(c.fingerprint);
    expect(cert.serialNumber.toLowerCase()).toBe(c.serialNumber);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(new Date(c.notAfter).getTime()).toBe(new Date(cert.validTo).getTime());
    expect(Math.abs(new Date(c.notAfter).getTime() - (now.getTime() + 365 * DAY))).toBeLessThan(2000);
    expect(new Date(c.notBefore).getTime()).toBeLessThanOrEqual(now.getTime());
    // The private key belongs to the certificate.
    expect(c.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(c.privateKeyPem))).toBe(true);
  });

  it('issues RSA 2048 on request, with the requested validity and common name, and random unique serials', async () => {
    const c = await createOk('rsa', { k: 'RSA', v: 30, cn: 'device-rsa-01' });
    const cert = new crypto.X509Certificate(c.certificatePem);
    expect(c.keyAlgorithm).toBe('RSA');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(cert.subject).toBe('CN=device-rsa-01');
    expect(Math.abs(new Date(c.notAfter).getTime() - (now.getTime() + 30 * DAY))).toBeLessThan(2000);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(c.privateKeyPem))).toBe(true);
    const other = await createOk('rsa');
    expect(other.serialNumber).not.toBe(c.serialNumber);
    expect(c.serialNumber).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps private keys encrypted at rest', async () => {
    const c = await createOk('secret');
    const rows = await app.services.ds.query(db === 'postgres' ? 'SELECT * FROM certificates WHERE id = $1' : 'SELECT * FROM certificates WHERE id = ?', [c.id]);
    expect(JSON.stringify(rows)).not.toContain('PRIVATE KEY');
    expect(rows[0].key_ciphertext).toMatch(/^v1\./);
  });

  it('validates input and requires authentication', async () => {
    expect(errorCode(await create({ n: '  ' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ n: 'x'.repeat(101) }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ n: 'x', v: 0 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ n: 'x', v: 100 * 365 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ n: 'x', v: 2_000_000_000 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ n: 'x', cn: 'c'.repeat(65) }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await app.gql('mutation{ createCertificate(name:"x",keyAlgorithm:DSA){ id } }', {}, alice.token))).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errorCode(await create({ n: 'x' }, ''))).toBe('UNAUTHENTICATED');
    expect(errorCode(await app.gql('{ certificates { totalCount } }'))).toBe('UNAUTHENTICATED');
  });

  it("never shows another user's certificate: NOT_FOUND everywhere, absent from lists", async () => {
    const c = await createOk('alice only');
    const d = await device('CERTIFICATE', bob.token);
    expect(errorCode(await app.gql('query($id:ID!){ certificate(id:$id){ id } }', { id: c.id }, bob.token))).toBe('NOT_FOUND');
    expect(errorCode(await revoke(c.id, undefined, bob.token))).toBe('NOT_FOUND');
    expect(errorCode(await bind(c.id, d.id, bob.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql('mutation($id:ID!){ deleteCertificate(id:$id) }', { id: c.id }, bob.token))).toBe('NOT_FOUND');
    expect(errorCode(await app.gql('query{ certificate(id:"not-a-uuid"){ id } }', {}, bob.token))).toBe('NOT_FOUND');
    const listed = await app.gql('{ certificates(first:100){ nodes { id } } }', {}, bob.token);
    expect(listed.data.certificates.nodes.map((n: { id: string }) => n.id)).not.toContain(c.id);
    // Alice cannot bind her certificate to Bob's device either.
    expect(errorCode(await bind(c.id, d.id))).toBe('NOT_FOUND');
    const mine = await app.gql(`query($id:ID!){ certificate(id:$id){ ${CERT_FIELDS} } }`, { id: c.id }, alice.token);
    expect(mine.data.certificate.privateKeyPem).toBe(c.privateKeyPem);
  });

  it('lists with search, status filter and cursor paging, newest first', async () => {
    const user = await signUp(app);
    const names = ['Pump A', 'Pump B', 'Valve', 'pump c'];
    const created = [];
    for (const n of names) {
      created.push(await createOk(n, {}, user.token));
      now = new Date(now.getTime() + 1000);
    }
    const page1 = await app.gql('{ certificates(first:2, filter:{search:"PUMP"}){ totalCount nodes { name } pageInfo { hasNextPage endCursor } } }', {}, user.token);
    expect(page1.data.certificates.totalCount).toBe(3);
    expect(page1.data.certificates.nodes.map((n: { name: string }) => n.name)).toEqual(['pump c', 'Pump B']);
    expect(page1.data.certificates.pageInfo.hasNextPage).toBe(true);
    const page2 = await app.gql(
      'query($a:String){ certificates(first:2, after:$a, filter:{search:"pump"}){ nodes { name } pageInfo { hasNextPage } } }',
      { a: page1.data.certificates.pageInfo.endCursor },
      user.token,
    );
    expect(page2.data.certificates.nodes.map((n: { name: string }) => n.name)).toEqual(['Pump A']);
    expect(page2.data.certificates.pageInfo.hasNextPage).toBe(false);
    const bySerial = await app.gql('query($s:String){ certificates(filter:{search:$s}){ nodes { name } } }', { s: created[2].serialNumber.slice(4, 20) }, user.token);
    expect(bySerial.data.certificates.nodes).toEqual([{ name: 'Valve' }]);
    expect(errorCode(await app.gql('{ certificates(after:"bogus"){ totalCount } }', {}, user.token))).toBe('BAD_USER_INPUT');

    await revoke(created[1].id, 'lost', user.token);
    const short = await createOk('short', { v: 1 }, user.token);
    now = new Date(now.getTime() + 2 * DAY);
    const status = async (s: string) => (await app.gql(`{ certificates(filter:{status:${s}}){ nodes { name status } } }`, {}, user.token)).data.certificates.nodes;
    expect(await status('REVOKED')).toEqual([{ name: 'Pump B', status: 'REVOKED' }]);
    expect(await status('EXPIRED')).toEqual([{ name: 'short', status: 'EXPIRED' }]);
    expect((await status('ACTIVE')).map((n: { name: string }) => n.name)).toEqual(['pump c', 'Valve', 'Pump A']);
    expect(short.status).toBe('ACTIVE');
  });

  it('binds only CERTIFICATE devices, many-to-many, visible from both sides', async () => {
    const c1 = await createOk('c1');
    const c2 = await createOk('c2');
    const d1 = await device('CERTIFICATE');
    const d2 = await device('CERTIFICATE');
    const tokenDevice = await device('TOKEN');
    expect(errorCode(await bind(c1.id, tokenDevice.id))).toBe('BAD_USER_INPUT');
    expect((await bind(c1.id, d1.id)).data.bindCertificate.devices).toEqual([{ id: d1.id }]);
    expect((await bind(c1.id, d1.id)).data.bindCertificate.devices).toEqual([{ id: d1.id }]); // idempotent
    await bind(c1.id, d2.id);
    await bind(c2.id, d1.id);
    const r = await app.gql('query($a:ID!,$b:ID!){ a: device(id:$a){ certificates { id status } } b: device(id:$b){ certificates { id } } }', { a: d1.id, b: d2.id }, alice.token);
    expect(r.data.a.certificates.map((c: { id: string }) => c.id).sort()).toEqual([c1.id, c2.id].sort());
    expect(r.data.b.certificates).toEqual([{ id: c1.id }]);
    const one = await app.gql('query($id:ID!){ certificate(id:$id){ devices { id } } }', { id: c1.id }, alice.token);
    expect(one.data.certificate.devices.map((d: { id: string }) => d.id).sort()).toEqual([d1.id, d2.id].sort());

    expect(withdrawn).toEqual([]);
    expect((await unbind(c1.id, d2.id)).data.unbindCertificate.devices).toEqual([{ id: d1.id }]);
    expect(withdrawn).toEqual([{ fingerprint: c1.fingerprint, deviceIds: [d2.id], reason: 'certificate unbound from device', generation: expect.any(Number) }]);
    await unbind(c1.id, d2.id); // idempotent, no second event
    expect(withdrawn).toHaveLength(1);
  });

  it('drops the bindings of a deleted device, so its certificates become deletable', async () => {
    const c = await createOk('orphan');
    const d = await device('CERTIFICATE');
    await bind(c.id, d.id);
    expect((await app.gql('mutation($id:ID!){ deleteDevice(id:$id) }', { id: d.id }, alice.token)).errors).toBeUndefined();
    const r = await app.gql('query($id:ID!){ certificate(id:$id){ devices { id } } }', { id: c.id }, alice.token);
    expect(r.data.certificate.devices).toEqual([]);
    expect((await app.gql('mutation($id:ID!){ deleteCertificate(id:$id) }', { id: c.id }, alice.token)).data.deleteCertificate).toBe(c.id);
  });

  it('refuses to delete a bound certificate; a deleted one is gone but stays in the CRL', async () => {
    const c = await createOk('to delete');
    const d = await device('CERTIFICATE');
    await bind(c.id, d.id);
    const del = () => app.gql('mutation($id:ID!){ deleteCertificate(id:$id) }', { id: c.id }, alice.token);
    expect(errorCode(await del())).toBe('CONFLICT');
    await unbind(c.id, d.id);
    expect((await del()).data.deleteCertificate).toBe(c.id);
    expect(errorCode(await app.gql('query($id:ID!){ certificate(id:$id){ id } }', { id: c.id }, alice.token))).toBe('NOT_FOUND');
    expect((await download(c.id, `Bearer ${alice.token}`)).status).toBe(404);
    const crl = new x509.X509Crl(await (await fetch(`${app.url}/pki/crl.pem`)).text());
    expect(crl.entries.map((e) => e.serialNumber.toLowerCase())).toContain(c.serialNumber);
    const rows = await app.services.ds.query(db === 'postgres' ? 'SELECT key_ciphertext FROM certificates WHERE id = $1' : 'SELECT key_ciphertext FROM certificates WHERE id = ?', [c.id]);
    expect(rows[0].key_ciphertext).toBeNull();
  });

  it('revokes: status REVOKED, sessions withdrawn, no new bindings, listed in the signed CRL', async () => {
    const c = await createOk('revoked one');
    const keep = await createOk('kept');
    const d1 = await device('CERTIFICATE');
    const d2 = await device('CERTIFICATE');
    await bind(c.id, d1.id);
    await bind(c.id, d2.id);
    const r = await revoke(c.id, 'key compromised');
    expect(r.data.revokeCertificate).toMatchObject({ status: 'REVOKED', revocationReason: 'key compromised' });
    expect(withdrawn).toHaveLength(1);
    expect(withdrawn[0]!.fingerprint).toBe(c.fingerprint);
    expect(withdrawn[0]!.deviceIds.sort()).toEqual([d1.id, d2.id].sort());
    expect(withdrawn[0]!.reason).toContain('revoked');
    expect((await revoke(c.id)).data.revokeCertificate.revocationReason).toBe('key compromised'); // idempotent
    expect(withdrawn).toHaveLength(1);
    expect(errorCode(await bind(c.id, d1.id))).toBe('CONFLICT');

    const res = await fetch(`${app.url}/pki/crl.pem`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-pem-file');
    const crl = new x509.X509Crl(await res.text());
    const ca = new x509.X509Certificate(app.services.pki.caCertificatePem());
    expect(await crl.verify({ publicKey: ca.publicKey })).toBe(true);
    expect(crl.issuer).toBe(ca.subject);
    const serials = crl.entries.map((e) => e.serialNumber.toLowerCase());
    expect(serials).toContain(c.serialNumber);
    expect(serials).not.toContain(keep.serialNumber);
    // OpenSSL agrees.
    const text = execFileSync('openssl', ['crl', '-noout', '-text'], { input: await (await fetch(`${app.url}/pki/crl.pem`)).text() }).toString();
    expect(text.replace(/\s/g, '').toLowerCase()).toContain(`serialnumber:${c.serialNumber}`);
  });

  it('shows EXPIRED once the clock passes notAfter, and refuses to bind it', async () => {
    const c = await createOk('day', { v: 1 });
    const d = await device('CERTIFICATE');
    now = new Date(now.getTime() + DAY + 1000);
    const r = await app.gql('query($id:ID!){ certificate(id:$id){ status } }', { id: c.id }, alice.token);
    expect(r.data.certificate.status).toBe('EXPIRED');
    expect(errorCode(await bind(c.id, d.id))).toBe('CONFLICT');
  });

  it('downloads root_ca.crt, <name>.crt and <name>.key as a zip with a token or an API key', async () => {
    const c = await createOk('Kitchen Sensor #1 / ü');
    const base = bundleFileBase('Kitchen Sensor #1 / ü');
    expect(base).toBe('Kitchen_Sensor_1_u');
    const res = await download(c.id, `Bearer ${alice.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${base}.zip"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const files = readZip(Buffer.from(await res.arrayBuffer()));
    expect(Object.keys(files)).toEqual(['root_ca.crt', `${base}.crt`, `${base}.key`]);
    expect(files['root_ca.crt']).toBe(app.services.pki.caCertificatePem());
    expect(files[`${base}.crt`]).toBe(c.certificatePem);
    expect(files[`${base}.key`]).toBe(c.privateKeyPem);

    const key = (await app.gql('mutation{ createApiKey(name:"dl"){ key } }', {}, alice.token)).data.createApiKey.key;
    expect((await download(c.id, `Bearer ${key}`)).status).toBe(200);
  });

  it('answers 401 without or with bad credentials and the same 404 for missing and foreign certificates', async () => {
    const c = await createOk('guarded');
    const none = await download(c.id);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Authentication required' } });
    expect((await download(c.id, 'Bearer nonsense')).status).toBe(401);
    expect((await download(c.id, 'Basic abc')).status).toBe(401);
    const foreign = await download(c.id, `Bearer ${bob.token}`);
    const missing = await download(crypto.randomUUID(), `Bearer ${bob.token}`);
    const garbage = await download('..%2F..%2Fetc', `Bearer ${bob.token}`);
    expect([foreign.status, missing.status, garbage.status]).toEqual([404, 404, 404]);
    const bodies = [await foreign.json(), await missing.json(), await garbage.json()];
    expect(bodies[0]).toEqual({ error: { code: 'NOT_FOUND', message: 'Certificate not found' } });
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  it('serves the root CA publicly at /pki/ca.pem', async () => {
    const res = await fetch(`${app.url}/pki/ca.pem`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(app.services.pki.caCertificatePem());
  });

  it('verifyDeviceCertificate: bound, active, unexpired certificate of a CERTIFICATE device only', async () => {
    const svc = app.services.certificates;
    const c = await createOk('auth');
    const unboundCert = await createOk('unbound');
    const bobCert = await createOk('bob', {}, bob.token);
    const d = await device('CERTIFICATE');
    const tokenDevice = await device('TOKEN');
    await bind(c.id, d.id);
    const der = (pem: string) => new crypto.X509Certificate(pem).raw;

    const ok = await svc.verifyDeviceCertificate(d.deviceNumber, der(c.certificatePem));
    expect(ok).toMatchObject({ ok: true, fingerprint: c.fingerprint });
    expect(ok.device?.id).toBe(d.id);

    expect(await svc.verifyDeviceCertificate(d.deviceNumber, undefined)).toMatchObject({ ok: false, reason: 'BAD_CREDENTIALS' });
    expect(await svc.verifyDeviceCertificate('no-such-device', der(c.certificatePem))).toMatchObject({ ok: false, reason: 'BAD_CREDENTIALS', fingerprint: c.fingerprint });
    expect(await svc.verifyDeviceCertificate(tokenDevice.deviceNumber, der(c.certificatePem))).toMatchObject({ ok: false, reason: 'NOT_AUTHORIZED' });
    expect(await svc.verifyDeviceCertificate(d.deviceNumber, der(unboundCert.certificatePem))).toMatchObject({
      ok: false,
      reason: 'NOT_AUTHORIZED',
      detail: 'certificate not bound to this device',
      fingerprint: unboundCert.fingerprint,
    });
    expect(await svc.verifyDeviceCertificate(d.deviceNumber, der(bobCert.certificatePem))).toMatchObject({ ok: false, detail: 'certificate not bound to this device' });

    now = new Date(new Date(c.notAfter).getTime() + 1);
    expect(await svc.verifyDeviceCertificate(d.deviceNumber, der(c.certificatePem))).toMatchObject({ ok: false, reason: 'NOT_AUTHORIZED', detail: 'certificate expired' });
    now = new Date();

    await app.gql('mutation($id:ID!){ updateDevice(id:$id,input:{blocked:true}){ id } }', { id: d.id }, alice.token);
    expect(await svc.verifyDeviceCertificate(d.deviceNumber, der(c.certificatePem))).toMatchObject({ ok: false, reason: 'NOT_AUTHORIZED', detail: 'device blocked' });
    await app.gql('mutation($id:ID!){ updateDevice(id:$id,input:{blocked:false}){ id } }', { id: d.id }, alice.token);
    expect((await svc.verifyDeviceCertificate(d.deviceNumber, der(c.certificatePem))).ok).toBe(true);

    await revoke(c.id);
    expect(await svc.verifyDeviceCertificate(d.deviceNumber, der(c.certificatePem))).toMatchObject({ ok: false, reason: 'NOT_AUTHORIZED', detail: 'certificate revoked' });
  });
});

describe('certificate relation fields are batched', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('certificates { devices } and devices { certificates } cost the same number of SQL statements for 2 or 12 rows', async () => {
    const { token } = await signUp(app);
    const statements = async (query: string) => {
      const runner = app.services.ds.createQueryRunner();
      const proto = Object.getPrototypeOf(runner) as { query: (...args: unknown[]) => Promise<unknown> };
      await runner.release();
      const spy = jest.spyOn(proto, 'query');
      try {
        const r = await app.gql(query, {}, token);
        expect(r.errors).toBeUndefined();
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
      }
    };
    const addPair = async (i: number) => {
      const c = (await app.gql(`mutation{ createCertificate(name:"c${i}"){ id } }`, {}, token)).data.createCertificate.id;
      const d = (await app.gql(`mutation{ createDevice(input:{name:"d${i}",authType:CERTIFICATE}){ id } }`, {}, token)).data.createDevice.id;
      expect((await app.gql('mutation($c:ID!,$d:ID!){ bindCertificate(certificateId:$c,deviceId:$d){ id } }', { c, d }, token)).errors).toBeUndefined();
    };
    const q1 = '{ certificates(first:50){ nodes { id devices { id } } } }';
    const q2 = '{ devices(first:50){ nodes { id certificates { id } } } }';
    for (let i = 0; i < 2; i++) await addPair(i);
    const small = [await statements(q1), await statements(q2)];
    for (let i = 2; i < 12; i++) await addPair(i);
    const large = [await statements(q1), await statements(q2)];
    expect(large).toEqual(small);
  });
});
