import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';

import { deviceStatusTopic } from '../src/devices/status-topic';
import { signUp, startTestApp, type TestApp } from './support/app';
import { haveChromium, offlinePage, warnIfNoChromium } from './support/browser';
import { nextEvent } from './support/events';

warnIfNoChromium('the GraphiQL browser test');

/** Replaces the text of a Monaco editor inside `container`. */
async function setEditor(page: Page, container: string, text: string): Promise<void> {
  await page.click(`${container} .monaco-editor .view-lines`);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

(haveChromium ? describe : describe.skip)('GraphiQL in a browser, offline', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let outside: string[];

  beforeAll(async () => {
    app = await startTestApp();
    // Nothing may be fetched from anywhere but this server (Monaco's workers and fonts load from data: and blob:).
    ({ browser, page, outside } = await offlinePage(['data:', 'blob:']));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('loads GraphiQL from our own assets, runs an authenticated query and receives a subscription event', async () => {
    const user = await signUp(app);
    const response = await page.goto(`${app.url}/graphql`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/text\/html/);
    await page.waitForSelector('.graphiql-query-editor .monaco-editor', { timeout: 20_000 });

    await setEditor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ Authorization: `Bearer ${user.token}` }));
    await setEditor(page, '.graphiql-query-editor', 'query Check { me { email } }');
    // GraphiQL re-parses the editor after a debounce; the tab is named after the operation once it has.
    await page.waitForSelector('.graphiql-tab:has-text("Check")');
    await page.click('.graphiql-execute-button');
    await page.waitForFunction((email) => (globalThis as any).document.querySelector('.graphiql-response')?.textContent?.includes(email), user.email, { timeout: 10_000 });
    expect(outside).toEqual([]);

    // A subscription over graphql-ws, with the same Authorization header: a device connects, the event shows up.
    const created = await app.gql('mutation{ createDevice(input:{name:"browser-watched"}){ deviceNumber username credentials { deviceKey } } }', {}, user.token);
    const d = created.data.createDevice;
    await setEditor(page, '.graphiql-query-editor', 'subscription Watch { deviceStatusChanged { name status } }');
    await page.waitForSelector('.graphiql-tab:has-text("Watch")');
    await page.click('.graphiql-execute-button');
    await app.services.pubSub.whenSubscribed(deviceStatusTopic(user.orgId));
    const device = mqtt.connect({ host: '127.0.0.1', port: app.mqtt.port!, clientId: d.deviceNumber, username: d.username, password: d.credentials.deviceKey, reconnectPeriod: 0 });
    try {
      await nextEvent(device, 'connect');
      await page.waitForFunction(() => /browser-watched[\s\S]*ONLINE/.test((globalThis as any).document.querySelector('.graphiql-response')?.textContent ?? ''), undefined, { timeout: 10_000 });
    } finally {
      await device.endAsync(true);
    }
    expect(outside).toEqual([]);
  }, 60_000);

  it('still answers GraphQL clients on the same path', async () => {
    const r = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(await r.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
