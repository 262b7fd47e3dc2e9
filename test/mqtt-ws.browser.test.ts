import type { Browser, Page } from 'playwright-core';

import { createTokenDevice, gqlOk, signUp, startTestApp, type TestApp } from './support/app';
import { haveChromium, offlinePage, warnIfNoChromium } from './support/browser';

warnIfNoChromium('the MQTT-in-a-browser test');

/** Issue #12: a browser page, mqtt.js from this server's own /assets (no CDN), is a Token device over ws://…/mqtt. */
(haveChromium ? describe : describe.skip)('MQTT from a browser page, offline', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let outside: string[];

  beforeAll(async () => {
    app = await startTestApp();
    // Nothing may be fetched from anywhere but this server.
    ({ browser, page, outside } = await offlinePage());
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('loads mqtt.js from /assets, connects as a Token device, subscribes, publishes, and is logged with listener WS', async () => {
    const user = await signUp(app);
    const d = await createTokenDevice(app, user.token, { name: 'in a browser' });
    await page.goto(`${app.url}/healthz`);
    await page.addScriptTag({ url: '/assets/mqtt.min.js' });
    const echoed = await page.evaluate(
      ({ url, clientId, username, password }) =>
        new Promise<string>((resolve, reject) => {
          const mqtt = (globalThis as any).mqtt;
          const client = mqtt.connect(url, { clientId, username, password, protocolVersion: 5, reconnectPeriod: 0 });
          client.on('error', (err: Error) => reject(new Error(err.message)));
          client.on('message', (_topic: string, payload: Uint8Array) => {
            resolve(new TextDecoder().decode(payload));
            client.end();
          });
          client.on('connect', () => {
            client.subscribe('browser/echo', { qos: 1 }, () => client.publish('browser/echo', 'hello from Chromium', { qos: 1 }));
          });
        }),
      { url: `${app.url.replace(/^http/, 'ws')}/mqtt`, clientId: d.deviceNumber, username: d.username, password: d.key },
    );
    expect(echoed).toBe('hello from Chromium');
    const data = await gqlOk(
      app,
      'query($d:ID!){ device(id:$d){ events(first: 1){ nodes { topic payload } } connectionLogs(first: 5){ nodes { eventType listener protocolVersion } } } }',
      { d: d.id },
      user.token,
    );
    expect(data.device.events.nodes).toEqual([{ topic: 'browser/echo', payload: 'hello from Chromium' }]);
    expect(data.device.connectionLogs.nodes).toContainEqual({ eventType: 'CONNECTED', listener: 'WS', protocolVersion: 5 });
    expect(outside).toEqual([]);
  }, 60_000);
});
