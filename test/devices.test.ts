import { type DbKind, errorCode, signUp, startTestApp, type TestApp } from './support/app';

const DEVICE_FIELDS = 'id name description deviceNumber username authType status blocked lastConnectedAt createdAt updatedAt metadata';

describe.each<DbKind>(['sqlite', 'postgres'])('device registry on %s', (db) => {
  let app: TestApp;
  let alice: { token: string };
  let bob: { token: string };

  beforeAll(async () => {
    app = await startTestApp({ db });
    alice = await signUp(app);
    bob = await signUp(app);
  });
  afterAll(() => app.stop());

  const create = (input: Record<string, unknown>, token = alice.token) =>
    app.gql(`mutation($i:CreateDeviceInput!){ createDevice(input:$i){ ${DEVICE_FIELDS} credentials { deviceNumber username deviceKey } } }`, { i: input }, token);

  it('creates a token device with generated credentials shown to its owner', async () => {
    const r = await create({ name: 'Thermostat', description: 'hall', metadata: { floor: 2, tags: ['a'] } });
    expect(r.errors).toBeUndefined();
    const d = r.data.createDevice;
    expect(d).toMatchObject({ name: 'Thermostat', description: 'hall', authType: 'TOKEN', status: 'OFFLINE', blocked: false, lastConnectedAt: null, metadata: { floor: 2, tags: ['a'] } });
    expect(d.deviceNumber).toMatch(/^[A-Za-z0-9_.:-]{8,36}$/);
    expect(d.username).toMatch(/^[A-Za-z0-9_.:-]{8,36}$/);
    expect(d.credentials.deviceNumber).toBe(d.deviceNumber);
    expect(d.credentials.username).toBe(d.username);
    expect(d.credentials.deviceKey).toMatch(/^[0-9a-f]{36}$/);

    const fetched = await app.gql(`query($id:ID!){ device(id:$id){ id credentials { deviceKey } } }`, { id: d.id }, alice.token);
    expect(fetched.data.device.credentials.deviceKey).toBe(d.credentials.deviceKey);
  });

  it('keeps device keys encrypted at rest and verifies them in constant time', async () => {
    const d = (await create({ name: 'Meter', deviceNumber: `meter-${db}-1`, username: 'meter.user' })).data.createDevice;
    const key: string = d.credentials.deviceKey;
    const rows = await app.services.ds.query(db === 'postgres' ? 'SELECT * FROM device_credentials WHERE device_id = $1' : 'SELECT * FROM device_credentials WHERE device_id = ?', [d.id]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(key);

    const creds = app.services.credentials;
    expect((await creds.verifyDeviceCredentials(d.deviceNumber, 'meter.user', key)).ok).toBe(true);
    expect((await creds.verifyDeviceCredentials(d.deviceNumber, 'meter.user', Buffer.from(key))).ok).toBe(true);
    expect(await creds.verifyDeviceCredentials(d.deviceNumber, 'meter.user', 'wrong')).toMatchObject({ ok: false, reason: 'BAD_CREDENTIALS' });
    expect(await creds.verifyDeviceCredentials(d.deviceNumber, 'other.user', key)).toMatchObject({ ok: false, reason: 'BAD_CREDENTIALS' });
    expect(await creds.verifyDeviceCredentials('no-such-device', 'meter.user', key)).toMatchObject({ ok: false, reason: 'BAD_CREDENTIALS' });
    expect(await creds.verifyDeviceCredentials(d.deviceNumber, 'meter.user', undefined)).toMatchObject({ ok: false, reason: 'BAD_CREDENTIALS' });

    // Rotation: the old key stops working, the new one works, and the message server is told.
    const changed: string[] = [];
    app.services.bus.on('deviceCredentialsChanged', (e) => changed.push(e.reason));
    const rotated = await app.gql(`mutation($id:ID!){ regenerateDeviceKey(id:$id){ credentials { deviceKey } } }`, { id: d.id }, alice.token);
    const newKey = rotated.data.regenerateDeviceKey.credentials.deviceKey;
    expect(newKey).not.toBe(key);
    expect((await creds.verifyDeviceCredentials(d.deviceNumber, 'meter.user', key)).ok).toBe(false);
    expect((await creds.verifyDeviceCredentials(d.deviceNumber, 'meter.user', newKey)).ok).toBe(true);
    expect(changed).toContain('device key regenerated');

    // Blocked and certificate devices are "not authorized", not "bad credentials".
    await app.gql(`mutation($id:ID!){ updateDevice(id:$id, input:{blocked:true}){ blocked } }`, { id: d.id }, alice.token);
    expect(await creds.verifyDeviceCredentials(d.deviceNumber, 'meter.user', newKey)).toMatchObject({ ok: false, reason: 'NOT_AUTHORIZED', detail: 'BLOCKED' });
    await app.gql(`mutation($id:ID!){ updateDevice(id:$id, input:{blocked:false, authType:CERTIFICATE}){ blocked } }`, { id: d.id }, alice.token);
    expect(await creds.verifyDeviceCredentials(d.deviceNumber, 'meter.user', newKey)).toMatchObject({ ok: false, reason: 'NOT_AUTHORIZED', detail: 'CERTIFICATE_DEVICE' });
    const cert = await app.gql(`query($id:ID!){ device(id:$id){ authType credentials { deviceKey } } }`, { id: d.id }, alice.token);
    expect(cert.data.device).toEqual({ authType: 'CERTIFICATE', credentials: { deviceKey: null } });
  });

  it('rejects bad input with BAD_USER_INPUT or CONFLICT and changes nothing', async () => {
    const count = async () => (await app.gql('{ devices { totalCount } }', {}, alice.token)).data.devices.totalCount as number;
    const before = await count();
    await create({ name: 'Taken', deviceNumber: `dup-${db}` });
    const after = before + 1;
    expect(errorCode(await create({ name: 'Again', deviceNumber: `dup-${db}` }))).toBe('CONFLICT');
    // Unique across the platform: another user cannot take it either.
    expect(errorCode(await create({ name: 'Again', deviceNumber: `dup-${db}` }, bob.token))).toBe('CONFLICT');
    expect(errorCode(await create({ name: 'x'.repeat(101) }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ name: '   ' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ name: 'ok', description: 'd'.repeat(1001) }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ name: 'ok', deviceNumber: 'has space' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ name: 'ok', deviceNumber: 'a/b#' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ name: 'ok', deviceNumber: 'x'.repeat(65) }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ name: 'ok', deviceNumber: '' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ name: 'ok', username: 'bad user' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ name: 'ok', authType: 'PASSWORD' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ name: 'ok', metadata: [1, 2] }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await create({ name: 'ok', metadata: { big: 'x'.repeat(17 * 1024) } }))).toBe('BAD_USER_INPUT');
    const literal = await app.gql('mutation{ createDevice(input:{name:"ok", authType: PASSWORD}){ id } }', {}, alice.token);
    expect(errorCode(literal)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errorCode(await app.gql('{ devices(first: 1000) { totalCount } }', {}, alice.token))).toBe('BAD_USER_INPUT');
    expect(errorCode(await app.gql('{ devices(after: "garbage") { totalCount } }', {}, alice.token))).toBe('BAD_USER_INPUT');
    expect(await count()).toBe(after);
  });

  it('updates and deletes devices; the device number never changes', async () => {
    const d = (await create({ name: 'Lamp' })).data.createDevice;
    const u = await app.gql(
      `mutation($id:ID!){ updateDevice(id:$id, input:{name:"Lamp 2", description:null, metadata:{on:true}}){ name description metadata deviceNumber updatedAt } }`,
      { id: d.id },
      alice.token,
    );
    expect(u.data.updateDevice).toMatchObject({ name: 'Lamp 2', description: null, metadata: { on: true }, deviceNumber: d.deviceNumber });
    expect(new Date(u.data.updateDevice.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(d.updatedAt).getTime());
    expect(errorCode(await app.gql(`mutation($id:ID!){ updateDevice(id:$id, input:{name:""}){ id } }`, { id: d.id }, alice.token))).toBe('BAD_USER_INPUT');

    const del = await app.gql(`mutation($id:ID!){ deleteDevice(id:$id) }`, { id: d.id }, alice.token);
    expect(del.data.deleteDevice).toBe(d.id);
    expect(errorCode(await app.gql(`query($id:ID!){ device(id:$id){ id } }`, { id: d.id }, alice.token))).toBe('NOT_FOUND');
    expect(await app.services.credentials.keysFor([d.id])).toEqual(new Map());
    expect(errorCode(await app.gql(`mutation($id:ID!){ deleteDevice(id:$id) }`, { id: d.id }, alice.token))).toBe('NOT_FOUND');
  });

  it("gives another user NOT_FOUND for every query and mutation on someone else's device", async () => {
    const d = (await create({ name: 'Private' })).data.createDevice;
    const asBob = (q: string) => app.gql(q, { id: d.id }, bob.token);
    expect(errorCode(await asBob(`query($id:ID!){ device(id:$id){ id } }`))).toBe('NOT_FOUND');
    expect(errorCode(await asBob(`mutation($id:ID!){ updateDevice(id:$id, input:{name:"mine"}){ id } }`))).toBe('NOT_FOUND');
    expect(errorCode(await asBob(`mutation($id:ID!){ regenerateDeviceKey(id:$id){ id } }`))).toBe('NOT_FOUND');
    expect(errorCode(await asBob(`mutation($id:ID!){ deleteDevice(id:$id) }`))).toBe('NOT_FOUND');
    // Same answer as for an id that does not exist at all.
    const missing = await app.gql(`query($id:ID!){ device(id:$id){ id } }`, { id: '00000000-0000-4000-8000-000000000000' }, bob.token);
    expect(missing.errors![0]).toMatchObject({ message: 'Device not found', extensions: { code: 'NOT_FOUND' } });
    expect(errorCode(await app.gql(`{ device(id:"not-a-uuid"){ id } }`, {}, bob.token))).toBe('NOT_FOUND');
    const list = await app.gql('{ devices(filter:{search:"Private"}) { totalCount } }', {}, bob.token);
    expect(list.data.devices.totalCount).toBe(0);
    expect((await app.gql(`query($id:ID!){ device(id:$id){ name } }`, { id: d.id }, alice.token)).data.device.name).toBe('Private');
    expect(errorCode(await app.gql('{ devices { totalCount } }'))).toBe('UNAUTHENTICATED');
  });

  it('searches by name case-insensitively, filters, sorts and pages with cursors', async () => {
    const carol = await signUp(app);
    const names = ['Kitchen Sensor', 'kitchen light', 'Garage door', 'Garden 50%_pump', 'KITCHEN fan'];
    for (const name of names) await create({ name, authType: name.startsWith('Garage') ? 'CERTIFICATE' : 'TOKEN' }, carol.token);

    const search = await app.gql('{ devices(filter:{search:"kItChEn"}, orderBy:{field:NAME}) { totalCount nodes { name } } }', {}, carol.token);
    expect(search.data.devices.totalCount).toBe(3);
    expect(search.data.devices.nodes.map((n: { name: string }) => n.name.toLowerCase()).sort()).toEqual(['kitchen fan', 'kitchen light', 'kitchen sensor']);
    // LIKE wildcards in the search are literal.
    const literal = await app.gql('{ devices(filter:{search:"50%_"}) { totalCount } }', {}, carol.token);
    expect(literal.data.devices.totalCount).toBe(1);
    const none = await app.gql('{ devices(filter:{search:"n%p"}) { totalCount } }', {}, carol.token);
    expect(none.data.devices.totalCount).toBe(0);

    const certs = await app.gql('{ devices(filter:{authType:CERTIFICATE}) { totalCount nodes { name } } }', {}, carol.token);
    expect(certs.data.devices.nodes).toEqual([{ name: 'Garage door' }]);
    const offline = await app.gql('{ devices(filter:{status:OFFLINE}) { totalCount } }', {}, carol.token);
    expect(offline.data.devices.totalCount).toBe(5);
    const online = await app.gql('{ devices(filter:{status:ONLINE}) { totalCount } }', {}, carol.token);
    expect(online.data.devices.totalCount).toBe(0);

    // Page through by name, two at a time: every device exactly once, in order.
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await app.gql(
        'query($after:String){ devices(first:2, after:$after, orderBy:{field:NAME, direction:DESC}) { totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }',
        { after },
        carol.token,
      );
      expect(page.data.devices.totalCount).toBe(5);
      seen.push(...page.data.devices.edges.map((e: { node: { name: string } }) => e.node.name));
      if (!page.data.devices.pageInfo.hasNextPage) break;
      after = page.data.devices.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    // The same order as one page of everything (collation is the database's own).
    const all = await app.gql('{ devices(first:10, orderBy:{field:NAME, direction:DESC}) { nodes { name } } }', {}, carol.token);
    expect(seen).toEqual(all.data.devices.nodes.map((n: { name: string }) => n.name));

    // Newest first by default; a cursor from another sort is refused.
    const first = await app.gql('{ devices(first:1) { nodes { name } pageInfo { endCursor } } }', {}, carol.token);
    expect(first.data.devices.nodes[0].name).toBe('KITCHEN fan');
    const mixed = await app.gql('query($a:String){ devices(after:$a, orderBy:{field:NAME}) { totalCount } }', { a: first.data.devices.pageInfo.endCursor }, carol.token);
    expect(errorCode(mixed)).toBe('BAD_USER_INPUT');
  });
});
