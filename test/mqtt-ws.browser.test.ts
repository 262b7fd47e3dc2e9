import fs from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createTokenDevice, gqlOk, signUp, startTestApp, type TestApp } from './support/app';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the MQTT-in-a-browser test: ${CHROMIUM} is missing (apt-get install chromium)`);

/** Issue #12: a browser page, mqtt.js from this server's own /assets (no CDN), is a Token device over ws://…/mqtt. */
(haveChromium ? describe : describe.skip)('MQTT from a browser page, offline', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const outside: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    page = await browser.newPage();
    // Nothing may be fetched from anywhere but this server.
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      outside.push(url.href);
      return route.abort();
    });
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
    const data = await gqlOk(app, 'query($d:ID!){ device(id:$d){ events(first: 1){ nodes { topic payload } } connectionLogs(first: 5){ nodes { eventType listener protocolVersion } } } }', { d: d.id }, user.token);
    expect(data.device.events.nodes).toEqual([{ topic: 'browser/echo', payload: 'hello from Chromium' }]);
    expect(data.device.connectionLogs.nodes).toContainEqual({ eventType: 'CONNECTED', listener: 'WS', protocolVersion: 5 });
    expect(outside).toEqual([]);
  }, 60_000);
});
