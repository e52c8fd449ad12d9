// "Check my connection": kazoo.preflight() calls the echo test for a few
// seconds while no call is up, then the page shows the report in words:
// the quality band, MOS, round trip, jitter, loss, how long the call took
// to set up, the path the audio took and any warnings seen.
import { $, log } from './ui.js';
import { bandText, rangeText, warningName, checkErrorText } from './words.js';

/** How long the check measures once the echo answers, ms. */
export const CHECK_MS = 5000;

export class ConnectionCheck {
  /**
   * target(): the echo URI to call; render(): the page redraws its
   * buttons (running changed); errorContext(): for errorText.
   */
  constructor({ target, render, errorContext }) {
    this.target = target;
    this.render = render;
    this.errorContext = errorContext;
    this.running = false;
  }

  async run() {
    if (this.running) return;
    const uri = this.target();
    this.running = true;
    const box = $('checkResult');
    box.hidden = false;
    box.dataset.state = 'running';
    box.setAttribute('aria-busy', 'true');
    $('checkStatus').textContent = 'Checking your connection…';
    $('checkBand').hidden = true;
    $('checkFigures').hidden = true;
    this.render();
    log(`checking the connection (calling ${uri})`);
    try {
      const rep = await kazoo.preflight({ uri, durationMs: CHECK_MS });
      this.show(rep);
      box.dataset.state = 'done';
      log(`connection check: ${rep.band || 'no band'}, MOS ${rep.mos}`);
    } catch (err) {
      box.dataset.state = 'error';
      box.dataset.key = (err && err.key) || 'error';
      $('checkStatus').textContent = checkErrorText(err, uri, this.errorContext());
      log(`connection check failed: ${err && err.key} ${(err && err.message) || ''}`);
    } finally {
      this.running = false;
      box.removeAttribute('aria-busy');
      this.render();
    }
  }

  /** Shows a PreflightReport. */
  show(rep) {
    delete $('checkResult').dataset.key;
    const band = bandText(rep.band);
    $('checkStatus').textContent = 'Connection check done.';
    const b = $('checkBand');
    b.dataset.band = rep.band || '';
    $('checkBandWord').textContent = band.word;
    $('checkBandMeaning').textContent = `: ${band.meaning}`;
    b.hidden = false;

    const t = rep.timings || {};
    const setup = [];
    if (t.signalingMs != null) setup.push(`answered after ${t.signalingMs} ms`);
    if (t.firstRtpMs != null) setup.push(`first sound after ${t.firstRtpMs} ms`);
    let path = 'direct';
    if (rep.mode === 'rtmp') path = 'through the kazoo relay (audio without WebRTC)';
    else if (rep.turnUsed) path = 'through a relay (TURN)';
    const warnings = rep.warnings && rep.warnings.length ? rep.warnings.map(warningName).join(', ') : 'none';
    const figures = [
      ['mos', 'Call quality (MOS)', rep.mos != null ? `${Number(rep.mos).toFixed(1)} of 4.5` : ''],
      ['rtt', 'Round trip', rangeText(rep.rttMs, 'ms')],
      ['jitter', 'Jitter', rangeText(rep.jitterMs, 'ms')],
      ['loss', 'Sound lost', rangeText(rep.packetLossPercent, '%')],
      ['setup', 'Setup time', setup.join(', ')],
      ['path', 'Audio path', path],
      ['warnings', 'Warnings', warnings],
    ];
    const dl = $('checkFigures');
    dl.replaceChildren();
    for (const [key, name, value] of figures) {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.dataset.figure = key;
      dd.textContent = value || 'not measured';
      dl.append(dt, dd);
    }
    dl.hidden = false;
  }
}
