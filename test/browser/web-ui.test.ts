// A real browser (Debian's chromium, driven by playwright-core) against the dev server's
// Web UI: an operator pauses a running release through the UI's signal dialog, the CLI then
// reports it paused with weights frozen past a step interval, and resuming through the UI lets
// it complete.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ReleaseStatus } from '../../workflows/messages';
import { projectRoot } from '../support/binaries';
import { waitFor } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let stack: Stack;
let browser: Browser;

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (or set CHROMIUM_PATH)`);
  stack = await startStack({ ui: true });
  // These flags keep chromium off the network it cannot reach here and let it run as root.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function status(id: string): Promise<ReleaseStatus> {
  const r = await stack.cli('status', id, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReleaseStatus;
}

/**
 * Opens the workflow's page and fills the UI's signal dialog, up to the Submit button; the
 * returned function submits it. Filling the dialog takes seconds on a loaded machine, so a test
 * that races a timer fills it first and submits when the moment comes.
 */
async function fillSignalDialog(
  page: Page,
  workflowId: string,
  signal: string,
  payload: string | undefined,
  screenshot?: string,
): Promise<() => Promise<void>> {
  await page.goto(
    `http://127.0.0.1:${stack.temporal.uiPort}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`,
  );
  await page.getByRole('button', { name: /More Actions/ }).click();
  await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
  const dialog = page.getByRole('dialog').filter({ hasText: 'Send a Signal' });
  await dialog.getByTestId('signal-select-button').click();
  await dialog.getByRole('option').filter({ hasText: 'promote' }).waitFor({ state: 'visible' });
  if (screenshot) await page.screenshot({ path: screenshot.replace('dialog', 'list') });
  // The UI builds this list from the workflow's metadata query: our names and descriptions.
  await dialog
    .getByRole('option')
    .filter({ hasText: new RegExp(`^\\s*${signal}\\b`) })
    .click();
  if (payload) {
    await dialog.getByRole('textbox', { name: 'Data' }).click();
    // insertText, not type: the editor auto-closes brackets and quotes on key presses.
    await page.keyboard.insertText(payload);
  }
  if (screenshot) await page.screenshot({ path: screenshot });
  const submit = dialog.getByRole('button', { name: 'Submit' });
  await waitFor('Submit enabled', async () => ((await submit.isEnabled()) ? true : undefined), 10_000);
  return async () => {
    await submit.click();
    try {
      await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
    } catch (err) {
      await page.screenshot({ path: path.join(projectRoot, 'test-results', `signal-${signal}-failed.png`) });
      // The dialog shows the server's refusal (e.g. "workflow execution already completed") in its body.
      const shown = (await dialog.innerText().catch(() => '')).replace(/\s+/g, ' ');
      throw new Error(`the ${signal} signal dialog stayed open: ${shown}`, { cause: err });
    }
  };
}

describe('operating from the Temporal Web UI', () => {
  it('pause through the signal dialog freezes weights; resume through it completes the release', async () => {
    const first = await stack.cli('start', stack.writeSpec('ui-v1.yaml', await stack.appSpec('1.0.0')), '--watch');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    // The approval gate holds the release before its first weight change while the dialog is
    // filled; only the Submit click then races the 20 s step.
    const spec = await stack.appSpec('2.0.0', {
      overrides: {
        traffic: { steps: [10, 100], interval: '20s', analysis: { every: '1s' } },
        approval: { beforeTraffic: true },
      },
    });
    const started = await stack.cli('start', stack.writeSpec('ui-v2.yaml', spec), '--json');
    const { id } = JSON.parse(started.stdout);
    await waitFor(
      'the approval gate',
      async () => ((await stack.status(id)).phase === 'awaiting-approval' ? true : undefined),
      30_000,
    );

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const shots = process.env.UPDATE_SCREENSHOTS
      ? path.join(projectRoot, 'docs', 'images')
      : path.join(projectRoot, 'test-results');
    mkdirSync(shots, { recursive: true });
    const submitPause = await fillSignalDialog(
      page,
      id,
      'pause',
      '{"reason": "paused from the Web UI"}',
      path.join(shots, 'web-ui-signal-dialog.png'),
    );

    const approved = await stack.cli('approve', id);
    assert.equal(approved.code, 0, approved.stdout + approved.stderr);
    await waitFor('step 1', async () => ((await stack.status(id)).weights.green === 10 ? true : undefined), 30_000);
    const stepSeenAt = Date.now();
    await submitPause();

    const paused = await waitFor(
      'paused',
      async () => {
        const s = await stack.status(id);
        return s.paused ? s : undefined;
      },
      15_000,
    );
    assert.ok(
      paused.weights.green > 0 && paused.weights.green < 100,
      `paused mid-shift: ${JSON.stringify(paused.weights)}`,
    );
    const event = paused.events.find((e) => e.type === 'pause')!;
    assert.match(event.message, /paused from the Web UI/);

    // Past the end of the 20s step that was running when it was seen: a running step would have
    // moved on by now.
    await new Promise((r) => setTimeout(r, Math.max(0, stepSeenAt + 22_000 - Date.now())));
    const still = await status(id);
    assert.equal(still.paused, true);
    assert.deepEqual(still.weights, paused.weights, 'weights frozen while paused');
    assert.equal(still.phase, 'shifting');

    await (
      await fillSignalDialog(page, id, 'resume', undefined)
    )();
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    const done = await status(id);
    assert.deepEqual(done.weights, { blue: 0, green: 100 });
    assert.equal(done.result?.outcome, 'completed');
    await page.close();
  });
});
