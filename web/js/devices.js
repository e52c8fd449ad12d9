// The "Audio devices" picker on the phone screen: which microphone the
// calls use, where they play (speaker) and where an incoming call rings
// (ringtone). The lists come from kazoo.audio.availableDevices(); a choice
// goes to kazoo.audio.<role>.set(id), which moves a call in progress too.
// The page's own sounds follow the speaker and ringtone choices
// (sounds.js). Device labels come from the browser and are only set as
// textContent.
import { $, log, notify, clearNotice } from './ui.js';
import { deviceLostText } from './words.js';

const ROLES = [
  { role: 'microphone', kind: 'audioinput', select: 'micSelect', unnamed: 'Microphone' },
  { role: 'speaker', kind: 'audiooutput', select: 'speakerSelect', unnamed: 'Speaker' },
  { role: 'ringtone', kind: 'audiooutput', select: 'ringtoneSelect', unnamed: 'Output' },
];

const OUTPUTS_UNSUPPORTED = 'This browser cannot choose where sound plays.';

/** '' for the browser's default device, else the ID. */
const norm = (id) => (!id || id === 'default' ? '' : id);

export class DevicePicker {
  /** sounds: the page's Sounds; problem(err): shows an error in words. */
  constructor({ sounds, problem }) {
    this.sounds = sounds;
    this.problem = problem;
    this.labels = new Map(); // deviceId → label, as last listed
    this.busy = null; // the refresh in flight
  }

  wire() {
    for (const r of ROLES) $(r.select).addEventListener('change', () => this.choose(r));
    $('devices').addEventListener('toggle', () => { if ($('devices').open) this.refresh(); });
    const hasSinkId = typeof HTMLMediaElement !== 'undefined' && typeof HTMLMediaElement.prototype.setSinkId === 'function';
    if (!hasSinkId) this.outputsUnsupported();
  }

  /** Reads the device list (or takes devices) and each role's choice, and fills the lists. */
  refresh(devices) {
    const run = async () => {
      const list = devices || await kazoo.audio.availableDevices();
      const chosen = await Promise.all(ROLES.map((r) => kazoo.audio[r.role].get()));
      ROLES.forEach((r, i) => this.fill(r, list.filter((d) => d.kind === r.kind), norm(chosen[i])));
      for (const d of list) if (d.label) this.labels.set(d.deviceId, d.label);
      $('devicesHint').hidden = list.every((d) => d.label);
    };
    const p = (this.busy || Promise.resolve()).then(run).catch((err) => {
      log(`audio devices unavailable: ${err && (err.message || err.key)}`);
    });
    this.busy = p;
    return p;
  }

  fill(r, list, chosen) {
    const select = $(r.select);
    const def = list.find((d) => d.deviceId === 'default');
    const options = [{ id: '', text: def && def.label && !/^default\b/i.test(def.label) ? `Default (${def.label})` : 'Default' }];
    let n = 0;
    for (const d of list) {
      if (d.deviceId === 'default' || !d.deviceId) continue;
      n += 1;
      options.push({ id: d.deviceId, text: d.label || `${r.unnamed} ${n}` });
    }
    if (chosen && !options.some((o) => o.id === chosen)) options.push({ id: chosen, text: this.labels.get(chosen) || `${r.unnamed} (not listed)` });
    select.replaceChildren(...options.map((o) => {
      const opt = document.createElement('option');
      opt.value = o.id;
      opt.textContent = o.text;
      return opt;
    }));
    select.value = chosen;
    select.dataset.current = chosen;
  }

  /** The person picked a device in r's list. */
  async choose(r) {
    const select = $(r.select);
    const id = select.value;
    const label = select.selectedOptions[0] ? select.selectedOptions[0].textContent : id;
    select.setAttribute('aria-busy', 'true');
    try {
      await kazoo.audio[r.role].set(id);
      select.dataset.current = id;
      if (r.role !== 'microphone') {
        this.sounds.setSink(r.role, id).then((err) => {
          if (err) log(`the page's ${r.role} sounds stay on the default output: ${err.name || ''} ${err.message || err}`);
        });
      }
      clearNotice('device');
      log(`${r.role}: ${label}`);
    } catch (err) {
      await this.refused(r, err);
    } finally {
      select.removeAttribute('aria-busy');
    }
  }

  async refused(r, err) {
    const select = $(r.select);
    log(`${r.role} not changed: ${err && err.key} ${(err && err.message) || ''}`);
    if (err && err.key === 'not_supported' && r.role !== 'microphone') {
      this.outputsUnsupported();
    } else if (err && err.key === 'device_not_found') {
      notify('error', `That ${r.role === 'microphone' ? 'microphone' : 'device'} is not there any more; pick another one.`,
        { id: 'device', key: 'device_not_found', timeout: 15_000 });
    } else {
      this.problem(err);
    }
    // Show what is really in use again.
    select.value = select.dataset.current || '';
    await this.refresh();
  }

  /** The browser cannot choose output devices: only the default plays. */
  outputsUnsupported() {
    for (const id of ['speakerSelect', 'ringtoneSelect']) {
      $(id).disabled = true;
      $(id).setAttribute('aria-describedby', 'outputsHint');
    }
    $('outputsHint').textContent = OUTPUTS_UNSUPPORTED;
    $('outputsHint').hidden = false;
  }

  /** onAudioDeviceChange: new lists; a notice for each chosen device that went away. */
  deviceChanged(change) {
    for (const fb of change.fallbacks || []) {
      const gone = (change.removed || []).find((d) => d.deviceId === fb.lost);
      const label = (gone && gone.label) || this.labels.get(fb.lost) || '';
      if (fb.role !== 'microphone') this.sounds.setSink(fb.role, '');
      notify('device', deviceLostText(fb.role, label), { id: `device:${fb.role}`, key: 'fallback', timeout: 60_000 });
    }
    return this.refresh(change.devices);
  }
}
