import { type DbKind, errorCode, gqlOk, type GqlResult, signUp, startTestApp, type TestApp } from './support/app';
import { connect, endAll, nextMessage, record } from './support/mqtt';
import { subscribe } from './support/ws';

type User = Awaited<ReturnType<typeof signUp>>;
type Role = 'OWNER' | 'ADMIN' | 'DEVELOPER' | 'VIEWER';

const ROLES: Role[] = ['OWNER', 'ADMIN', 'DEVELOPER', 'VIEWER'];
const RANK: Record<Role, number> = { OWNER: 4, ADMIN: 3, DEVELOPER: 2, VIEWER: 1 };

/** A FORBIDDEN answer names the role needed; a success has no errors. */
function expectAllowed(r: GqlResult<unknown>, allowed: boolean, requiredRole: Role, what: string): void {
  if (allowed) {
    expect({ what, errors: r.errors }).toEqual({ what, errors: undefined });
  } else {
    expect({ what, code: errorCode(r), requiredRole: r.errors?.[0]?.extensions?.requiredRole }).toEqual({ what, code: 'FORBIDDEN', requiredRole });
  }
}

describe.each<DbKind>(['sqlite', 'postgres'])('teams on %s', (db) => {
  let app: TestApp;
  let owner: User;
  let team: Record<Role, User>;
  let outsider: User;
  let orgId: string;
  let shiftMs = 0;

  const gql = (query: string, variables: Record<string, unknown>, token: string) => app.gql<any>(query, variables, token);
  const newDevice = async (token: string, name = 'dev') =>
    (await gqlOk(app, 'mutation($o:ID,$n:String!){ createDevice(organizationId:$o, input:{ name:$n }){ id deviceNumber username credentials { deviceKey } } }', { o: orgId, n: name }, token))
      .createDevice;

  beforeAll(async () => {
    // Time moves only when a test moves it (API key expiry).
    app = await startTestApp({ db, app: { clock: () => new Date(Date.now() + shiftMs) }, config: { auth: { tokenTtlSeconds: 10 * 365 * 86400, passwordHashCost: 1024 } } });
    owner = await signUp(app);
    outsider = await signUp(app);
    orgId = (await gqlOk(app, 'mutation{ createOrganization(name:"Acme"){ id } }', {}, owner.token)).createOrganization.id;
    team = { OWNER: owner } as Record<Role, User>;
    for (const role of ['ADMIN', 'DEVELOPER', 'VIEWER'] as const) {
      const member = await signUp(app);
      const invited = await gqlOk(
        app,
        'mutation($o:ID!,$e:String!,$r:OrganizationRole!){ inviteMember(organizationId:$o, email:$e, role:$r){ token invitation { id role } } }',
        { o: orgId, e: member.email, r: role },
        owner.token,
      );
      // Only the invited e-mail's user can accept.
      expect(errorCode(await gql('mutation($t:String!){ acceptInvitation(token:$t){ role } }', { t: invited.inviteMember.token }, outsider.token))).toBe('NOT_FOUND');
      expect((await gqlOk(app, 'mutation($t:String!){ acceptInvitation(token:$t){ role } }', { t: invited.inviteMember.token }, member.token)).acceptInvitation.role).toBe(role);
      expect(errorCode(await gql('mutation($t:String!){ acceptInvitation(token:$t){ role } }', { t: invited.inviteMember.token }, member.token))).toBe('CONFLICT');
      team[role] = member;
    }
  }, 60_000);
  afterAll(async () => {
    await endAll();
    await app.stop();
  });

  it('lists the organization with each member and their role', async () => {
    for (const role of ROLES) {
      const orgs = (await gqlOk(app, '{ organizations { id name personal myRole } }', {}, team[role].token)).organizations;
      expect(orgs).toContainEqual({ id: orgId, name: 'Acme', personal: false, myRole: role });
    }
    const org = (await gqlOk(app, 'query($id:ID!){ organization(id:$id){ members { role user { email } } } }', { id: orgId }, team.VIEWER.token)).organization;
    expect(org.members.map((m: any) => [m.user.email, m.role]).sort()).toEqual(ROLES.map((r) => [team[r].email, r]).sort());
  });

  it('lets each role do exactly what it allows, and answers FORBIDDEN with the role needed otherwise', async () => {
    const base = await newDevice(owner.token, 'base');
    const cert = (await gqlOk(app, 'mutation($o:ID){ createCertificate(organizationId:$o, name:"base-cert"){ id } }', { o: orgId }, owner.token)).createCertificate;
    for (const role of ROLES) {
      const { token } = team[role];
      const at = (needed: Role) => RANK[role] >= RANK[needed];
      // Reading is for everyone.
      expectAllowed(await gql('query($o:ID){ devices(organizationId:$o){ nodes { id name } } }', { o: orgId }, token), true, 'VIEWER', `${role} devices`);
      expectAllowed(await gql('query($id:ID!){ device(id:$id){ name credentials { deviceNumber username } } }', { id: base.id }, token), true, 'VIEWER', `${role} device`);
      expectAllowed(
        await gql(
          'query($o:ID){ deviceEvents(organizationId:$o){ nodes { id } } connectionLog(organizationId:$o){ nodes { id } } certificates(organizationId:$o){ nodes { id } } }',
          { o: orgId },
          token,
        ),
        true,
        'VIEWER',
        `${role} history`,
      );
      // Secrets and changes need DEVELOPER.
      expectAllowed(await gql('query($id:ID!){ device(id:$id){ credentials { deviceKey } } }', { id: base.id }, token), at('DEVELOPER'), 'DEVELOPER', `${role} deviceKey`);
      expectAllowed(await gql('mutation($o:ID){ createDevice(organizationId:$o, input:{ name:"x" }){ id } }', { o: orgId }, token), at('DEVELOPER'), 'DEVELOPER', `${role} createDevice`);
      expectAllowed(await gql('mutation($id:ID!){ updateDevice(id:$id, input:{ description:"d" }){ id } }', { id: base.id }, token), at('DEVELOPER'), 'DEVELOPER', `${role} updateDevice`);
      expectAllowed(await gql('mutation($id:ID!){ regenerateDeviceKey(id:$id){ id } }', { id: base.id }, token), at('DEVELOPER'), 'DEVELOPER', `${role} regenerateDeviceKey`);
      expectAllowed(await gql('mutation($id:ID!){ disconnectDevice(id:$id){ id } }', { id: base.id }, token), at('DEVELOPER'), 'DEVELOPER', `${role} disconnectDevice`);
      expectAllowed(await gql('mutation($o:ID){ createCertificate(organizationId:$o, name:"c"){ id } }', { o: orgId }, token), at('DEVELOPER'), 'DEVELOPER', `${role} createCertificate`);
      expectAllowed(await gql('query($id:ID!){ certificate(id:$id){ privateKeyPem } }', { id: cert.id }, token), at('DEVELOPER'), 'DEVELOPER', `${role} privateKeyPem`);
      expectAllowed(
        await gql('mutation($d:ID!){ publishToDevice(deviceId:$d, input:{ topic:"cmd", payload:"{}", payloadEncoding:JSON, qos:0, retain:false }){ matchedSessions } }', { d: base.id }, token),
        at('DEVELOPER'),
        'DEVELOPER',
        `${role} publishToDevice`,
      );
      const started = await gql('mutation($d:ID!){ startTestClient(deviceId:$d, options:{ force:true }){ id } }', { d: base.id }, token);
      expectAllowed(started, at('DEVELOPER'), 'DEVELOPER', `${role} startTestClient`);
      if (started.data?.startTestClient) await gqlOk(app, 'mutation($s:ID!){ stopTestClient(sessionId:$s){ id } }', { s: started.data.startTestClient.id }, token);
      // The bundle holds the private key.
      const bundle = await fetch(`${app.url}/certificates/${cert.id}/bundle.zip`, { headers: { authorization: `Bearer ${token}` } });
      expect({ role, status: bundle.status }).toEqual({ role, status: at('DEVELOPER') ? 200 : 403 });
      await bundle.arrayBuffer();
      // Members and the audit trail need ADMIN; ownership OWNER.
      expectAllowed(await gql('query($o:ID!){ auditLog(organizationId:$o, first:1){ nodes { id } } }', { o: orgId }, token), at('ADMIN'), 'ADMIN', `${role} auditLog`);
      expectAllowed(await gql('query($id:ID!){ organization(id:$id){ invitations { email } } }', { id: orgId }, token), at('ADMIN'), 'ADMIN', `${role} invitations`);
      expectAllowed(
        await gql('mutation($o:ID!,$e:String!){ inviteMember(organizationId:$o, email:$e, role:VIEWER){ token } }', { o: orgId, e: `${role.toLowerCase()}-guest@example.com` }, token),
        at('ADMIN'),
        'ADMIN',
        `${role} inviteMember`,
      );
      expectAllowed(await gql('mutation($id:ID!){ renameOrganization(id:$id, name:"Acme"){ id } }', { id: orgId }, token), at('OWNER'), 'OWNER', `${role} renameOrganization`);
    }
    // An ADMIN manages members but not ownership.
    expectAllowed(
      await gql('mutation($o:ID!){ inviteMember(organizationId:$o, email:"boss@example.com", role:OWNER){ token } }', { o: orgId }, team.ADMIN.token),
      false,
      'OWNER',
      'ADMIN invites an OWNER',
    );
    expectAllowed(
      await gql('mutation($o:ID!,$u:ID!){ changeMemberRole(organizationId:$o, userId:$u, role:VIEWER){ role } }', { o: orgId, u: owner.id }, team.ADMIN.token),
      false,
      'OWNER',
      'ADMIN demotes the OWNER',
    );
    expectAllowed(await gql('mutation($id:ID!){ deleteOrganization(id:$id) }', { id: orgId }, team.ADMIN.token), false, 'OWNER', 'ADMIN deletes');
    // At least one OWNER remains.
    expect(errorCode(await gql('mutation($o:ID!,$u:ID!){ changeMemberRole(organizationId:$o, userId:$u, role:ADMIN){ role } }', { o: orgId, u: owner.id }, owner.token))).toBe('CONFLICT');
    expect(errorCode(await gql('mutation($o:ID!,$u:ID!){ removeMember(organizationId:$o, userId:$u){ role } }', { o: orgId, u: owner.id }, owner.token))).toBe('CONFLICT');
  }, 120_000);

  it('streams the organization to every role over graphql-ws, and NOT_FOUND to an outsider', async () => {
    const d = await newDevice(owner.token, 'streamed');
    const subs = ROLES.map((role) => subscribe(app.graphqlUrl, team[role].token, 'subscription($o:ID){ deviceEventAdded(organizationId:$o){ topic payload } }', { o: orgId }));
    const outsiderSub = subscribe(app.graphqlUrl, outsider.token, 'subscription($o:ID){ deviceEventAdded(organizationId:$o){ topic } }', { o: orgId });
    try {
      expect((await outsiderSub.next()).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const topic = app.services.deviceEvents.topic(orgId);
      // Each member's subscription is a pub/sub subscriber of its own (executions are shared per user only).
      const deadline = Date.now() + 5000;
      while (app.services.pubSub.subscriberCount(topic) < ROLES.length && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      const c = await connect(app, { deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey });
      await c.publishAsync('team/news', 'hello team', { qos: 1 });
      for (const sub of subs) expect((await sub.next()).data).toEqual({ deviceEventAdded: { topic: 'team/news', payload: 'hello team' } });
      await c.endAsync();
    } finally {
      await Promise.all([...subs, outsiderSub].map((x) => x.close()));
    }
  });

  it('gives a VIEWER API key read access only, and no key a role above its creator', async () => {
    const created = await gqlOk(app, 'mutation($o:ID){ createApiKey(organizationId:$o, name:"wall", role:VIEWER){ key apiKey { role organizationId expiresAt } } }', { o: orgId }, owner.token);
    expect(created.createApiKey.apiKey).toEqual({ role: 'VIEWER', organizationId: orgId, expiresAt: null });
    const key = created.createApiKey.key;
    // Acts in its organization by default.
    expect((await gqlOk(app, '{ devices { nodes { id } } }', {}, key)).devices.nodes.length).toBeGreaterThan(0);
    expectAllowed(await gql('mutation{ createDevice(input:{ name:"by key" }){ id } }', {}, key), false, 'DEVELOPER', 'VIEWER key createDevice');
    // Nothing outside its organization, not even its creator's personal one.
    expect(errorCode(await gql('query($o:ID){ devices(organizationId:$o){ nodes { id } } }', { o: owner.orgId }, key))).toBe('NOT_FOUND');
    expect(errorCode(await gql('mutation($o:ID){ createApiKey(organizationId:$o, name:"up", role:ADMIN){ key } }', { o: orgId }, team.DEVELOPER.token))).toBe('BAD_USER_INPUT');
    // An expired key is refused.
    const inAnHour = new Date(Date.now() + shiftMs + 3600_000).toISOString();
    const expiring = (await gqlOk(app, 'mutation($o:ID,$e:DateTimeISO){ createApiKey(organizationId:$o, name:"short", expiresAt:$e){ key } }', { o: orgId, e: inAnHour }, team.DEVELOPER.token))
      .createApiKey.key;
    expect((await gqlOk(app, '{ me { id } }', {}, expiring)).me.id).toBe(team.DEVELOPER.id);
    shiftMs += 2 * 3600_000;
    expect(errorCode(await gql('{ me { id } }', {}, expiring))).toBe('UNAUTHENTICATED');
    expect((await gqlOk(app, '{ me { id } }', {}, key)).me.id).toBe(owner.id);
  });

  it('hides one organization from another: NOT_FOUND everywhere, and no MQTT between their devices', async () => {
    const inside = await newDevice(team.DEVELOPER.token, 'inside');
    const outside = (await gqlOk(app, 'mutation{ createDevice(input:{ name:"outside" }){ id deviceNumber username credentials { deviceKey } } }', {}, outsider.token)).createDevice;
    const t = outsider.token;
    expect(errorCode(await gql('query($id:ID!){ organization(id:$id){ id } }', { id: orgId }, t))).toBe('NOT_FOUND');
    expect(errorCode(await gql('query($o:ID){ devices(organizationId:$o){ nodes { id } } }', { o: orgId }, t))).toBe('NOT_FOUND');
    expect(errorCode(await gql('query($id:ID!){ device(id:$id){ id } }', { id: inside.id }, t))).toBe('NOT_FOUND');
    expect(errorCode(await gql('mutation($id:ID!){ deleteDevice(id:$id) }', { id: inside.id }, t))).toBe('NOT_FOUND');
    expect(errorCode(await gql('query($o:ID!){ auditLog(organizationId:$o){ nodes { id } } }', { o: orgId }, t))).toBe('NOT_FOUND');
    expect(errorCode(await gql('mutation($o:ID!){ inviteMember(organizationId:$o, email:"x@example.com", role:OWNER){ token } }', { o: orgId }, t))).toBe('NOT_FOUND');
    expect((await gqlOk(app, '{ organizations { id } }', {}, t)).organizations.map((o: any) => o.id)).toEqual([outsider.orgId]);

    const login = (d: any) => ({ deviceNumber: d.deviceNumber, username: d.username, key: d.credentials.deviceKey });
    const a = await connect(app, login(inside));
    const b = await connect(app, login(outside));
    await b.subscribeAsync('shared/#', { qos: 1 });
    const seenByB = record(b);
    await a.subscribeAsync('shared/#', { qos: 1 });
    const echo = nextMessage(a, 'shared/x');
    await a.publishAsync('shared/x', 'secret', { qos: 1 });
    await echo;
    // b subscribed first and on the same broker: had the message crossed, it would have arrived before a's own copy.
    await b.publishAsync('shared/ping', 'p', { qos: 1 });
    await nextMessage(b, 'shared/ping');
    expect(seenByB.map((m) => m.payload)).toEqual(['p']);
  });

  it("ends a removed member's live subscription and test client session at once", async () => {
    const dev = team.DEVELOPER;
    const device = await newDevice(dev.token, 'tested');
    const live = subscribe(app.graphqlUrl, dev.token, 'subscription($o:ID){ deviceEventAdded(organizationId:$o){ id } }', { o: orgId });
    const session = (await gqlOk(app, 'mutation($d:ID!){ startTestClient(deviceId:$d){ id state } }', { d: device.id }, dev.token)).startTestClient;
    expect(session.state).toBe('CONNECTED');
    await app.services.pubSub.whenSubscribed(app.services.deviceEvents.topic(orgId));
    const watched = subscribe(app.graphqlUrl, owner.token, 'subscription($s:ID!){ testClientStateChanged(sessionId:$s){ state error } }', { s: session.id });
    expect((await watched.next()).data?.testClientStateChanged.state).toBe('CONNECTED');
    try {
      await gqlOk(app, 'mutation($o:ID!,$u:ID!){ removeMember(organizationId:$o, userId:$u){ userId } }', { o: orgId, u: dev.id }, team.ADMIN.token);
      await live.completed();
      const ended = (await watched.next()).data?.testClientStateChanged;
      expect(ended.state).toBe('DISCONNECTED');
      expect(errorCode(await gql('query($o:ID){ devices(organizationId:$o){ nodes { id } } }', { o: orgId }, dev.token))).toBe('NOT_FOUND');
    } finally {
      await live.close();
      await watched.close();
    }
  });

  it('records every change with its actor in the audit trail, newest first', async () => {
    const admin = team.ADMIN;
    const d = await newDevice(admin.token, 'audited');
    await gqlOk(app, 'mutation($id:ID!){ updateDevice(id:$id, input:{ blocked:true }){ id } }', { id: d.id }, admin.token);
    await gqlOk(app, 'mutation($id:ID!){ updateDevice(id:$id, input:{ name:"renamed" }){ id } }', { id: d.id }, admin.token);
    const key = (await gqlOk(app, 'mutation($o:ID){ createApiKey(organizationId:$o, name:"ops", role:DEVELOPER){ key apiKey { id } } }', { o: orgId }, owner.token)).createApiKey;
    await gqlOk(app, 'mutation($id:ID!){ regenerateDeviceKey(id:$id){ id } }', { id: d.id }, key.key);
    await gqlOk(app, 'mutation($id:ID!){ deleteDevice(id:$id) }', { id: d.id }, admin.token);
    const log = (
      await gqlOk(
        app,
        'query($o:ID!,$t:String){ auditLog(organizationId:$o, filter:{ targetId:$t }){ nodes { action actorType actorUserId actorApiKeyId actorLabel remoteAddress targetType targetLabel changes } } }',
        { o: orgId, t: d.id },
        owner.token,
      )
    ).auditLog.nodes;
    expect(log.map((e: any) => e.action)).toEqual(['DEVICE_DELETED', 'DEVICE_KEY_REGENERATED', 'DEVICE_UPDATED', 'DEVICE_BLOCKED', 'DEVICE_CREATED']);
    expect(log[0]).toMatchObject({ actorType: 'USER', actorUserId: admin.id, actorLabel: admin.email, targetType: 'DEVICE' });
    expect(log[1]).toMatchObject({ actorType: 'API_KEY', actorUserId: owner.id, actorApiKeyId: key.apiKey.id });
    expect(log[2].changes).toEqual({ name: { from: 'audited', to: 'renamed' } });
    expect(log[3].changes).toEqual({ blocked: { from: false, to: true } });
    expect(log[0].remoteAddress).toMatch(/127\.0\.0\.1/);
    // Certificates, roles, keys.
    const certDevice = (await gqlOk(app, 'mutation($o:ID){ createDevice(organizationId:$o, input:{ name:"tls", authType:CERTIFICATE }){ id } }', { o: orgId }, admin.token)).createDevice;
    const cert = (await gqlOk(app, 'mutation($o:ID){ createCertificate(organizationId:$o, name:"audited-cert"){ id } }', { o: orgId }, admin.token)).createCertificate;
    await gqlOk(app, 'mutation($c:ID!,$d:ID!){ bindCertificate(certificateId:$c, deviceId:$d){ id } }', { c: cert.id, d: certDevice.id }, admin.token);
    await gqlOk(app, 'mutation($c:ID!){ revokeCertificate(id:$c, reason:"lost"){ id } }', { c: cert.id }, admin.token);
    await gqlOk(app, 'mutation($o:ID!,$u:ID!){ changeMemberRole(organizationId:$o, userId:$u, role:DEVELOPER){ role } }', { o: orgId, u: team.VIEWER.id }, admin.token);
    await gqlOk(app, 'mutation($o:ID!,$u:ID!){ changeMemberRole(organizationId:$o, userId:$u, role:VIEWER){ role } }', { o: orgId, u: team.VIEWER.id }, admin.token);
    await gqlOk(app, 'mutation($id:ID!){ revokeApiKey(id:$id){ id } }', { id: key.apiKey.id }, admin.token);
    const certLog = (await gqlOk(app, 'query($o:ID!,$t:String){ auditLog(organizationId:$o, filter:{ targetId:$t }){ nodes { action changes } } }', { o: orgId, t: cert.id }, admin.token)).auditLog
      .nodes;
    expect(certLog.map((e: any) => e.action)).toEqual(['CERTIFICATE_REVOKED', 'CERTIFICATE_BOUND', 'CERTIFICATE_ISSUED']);
    expect(certLog[0].changes).toEqual({ reason: 'lost' });
    // The whole trail has every kind of change made in this suite, and never a secret.
    const all: any[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (
        await gqlOk(
          app,
          'query($o:ID!,$a:String){ auditLog(organizationId:$o, first:100, after:$a){ nodes { action actorUserId changes targetLabel } pageInfo { hasNextPage endCursor } } }',
          { o: orgId, a: after },
          owner.token,
        )
      ).auditLog;
      all.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    const actions = new Set(all.map((e) => e.action));
    const expected = [
      'ORGANIZATION_CREATED',
      'ORGANIZATION_RENAMED',
      'MEMBER_INVITED',
      'MEMBER_JOINED',
      'MEMBER_ROLE_CHANGED',
      'MEMBER_REMOVED',
      'DEVICE_CREATED',
      'DEVICE_UPDATED',
      'DEVICE_BLOCKED',
      'DEVICE_DELETED',
      'DEVICE_KEY_REGENERATED',
      'DEVICE_KICKED',
    ];
    expected.push('CERTIFICATE_ISSUED', 'CERTIFICATE_BOUND', 'CERTIFICATE_REVOKED', 'CERTIFICATE_BUNDLE_DOWNLOADED', 'API_KEY_CREATED', 'API_KEY_REVOKED', 'COMMAND_SENT', 'TEST_CLIENT_STARTED');
    for (const a of expected.filter((x) => x !== 'ORGANIZATION_RENAMED')) {
      expect([a, actions.has(a)]).toEqual([a, true]);
    }
    expect(all.find((e) => e.action === 'MEMBER_REMOVED')).toMatchObject({ actorUserId: admin.id, targetLabel: team.DEVELOPER.email });
    // Key prefixes name keys (as in apiKeys); the rest of a key, private keys and invitation tokens never appear.
    const text = JSON.stringify(all);
    expect(text).not.toContain(key.key.slice(10));
    expect(text).not.toMatch(/BEGIN|inv_/);
    // Retained like the connection log (PORTICO_CONNECTION_LOG_MAX_AGE_DAYS).
    const days = app.config.mqtt.connectionLogRetention.maxAgeDays;
    await app.services.ds.query(`UPDATE audit_logs SET time = time - ${(days + 1) * 86_400_000} WHERE action = 'ORGANIZATION_CREATED'`);
    expect(await app.services.audit.enforceRetention()).toBeGreaterThanOrEqual(1);
    const left = (await gqlOk(app, 'query($o:ID!){ auditLog(organizationId:$o, first:100, filter:{ actions:[ORGANIZATION_CREATED, DEVICE_CREATED] }){ nodes { action } } }', { o: orgId }, owner.token))
      .auditLog.nodes;
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((e: any) => e.action === 'DEVICE_CREATED')).toBe(true);
  });
});
