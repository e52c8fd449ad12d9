// kazoo's quality warnings during a call (onQualityWarning), as notices
// in plain words: one per warning while it is active (data-kind
// "quality", data-key its name, data-id "quality:<name>"), removed when
// kazoo clears it or the call ends.
import { $, log, notify, clearNotices } from './ui.js';
import { qualityText } from './words.js';

export class QualityNotices {
  /** muted(): whether the current call is muted. */
  constructor({ muted }) {
    this.muted = muted;
    this.active = new Map(); // name → the warning that raised it
  }

  /** An onQualityWarning event {name, active, value, threshold, callId} for the current call. */
  warning(w) {
    log(`quality warning ${w.name} ${w.active ? 'raised' : 'cleared'}${w.value != null ? ` (${w.value}, threshold ${w.threshold})` : ''}`);
    if (w.active) this.active.set(w.name, w); else this.active.delete(w.name);
    this.render();
  }

  /**
   * Shows the active warnings. speaking-while-muted shows only while the
   * page is muted: it goes at once when the person unmutes, before
   * kazoo's next checks clear it, and comes back on mute while active.
   */
  render() {
    const list = [...$('notices').children];
    for (const li of list) if (li.dataset.kind === 'quality' && !this.shown(li.dataset.key)) li.remove();
    for (const [name, w] of this.active) {
      if (this.shown(name) && !list.some((li) => li.isConnected && li.dataset.id === `quality:${name}`)) {
        notify('quality', qualityText(w), { id: `quality:${name}`, key: name });
      }
    }
  }

  shown(name) {
    return this.active.has(name) && (name !== 'speaking-while-muted' || this.muted());
  }

  /** The call is over. */
  clear() {
    this.active.clear();
    clearNotices('quality');
  }
}
