// The page's settings: /config.json from the server (kazoo-dev), and what
// the person chose, remembered in localStorage. The password is kept only
// when "Remember password" was ticked.

const STORE = 'kazoo-demo.settings';

/** Defaults when /config.json is missing (the page served elsewhere). */
const FALLBACK = { wsUrl: 'ws://127.0.0.1:5066', domain: 'lab.test', accounts: [] };

/**
 * Loads /config.json: {wsUrl, domain, accounts: [{user, password}],
 * relayUrl?, rtmpUrl?, echo?}. Unknown fields are kept.
 */
export async function loadConfig() {
  try {
    const res = await fetch('/config.json', { cache: 'no-store' });
    if (res.ok) {
      const c = await res.json();
      return { ...FALLBACK, ...c, accounts: Array.isArray(c.accounts) ? c.accounts : [] };
    }
  } catch { /* served without kazoo-dev: keep the defaults */ }
  return { ...FALLBACK };
}

/** The echo test extension: config.echo when it names one, else *43. */
export function echoTarget(config) {
  return typeof config.echo === 'string' && config.echo.trim() ? config.echo.trim() : '*43';
}

/** What was remembered, or null. */
export function loadSettings() {
  try {
    const s = JSON.parse(localStorage.getItem(STORE) || 'null');
    return s && typeof s === 'object' ? s : null;
  } catch {
    return null;
  }
}

/**
 * Remembers s = {user, displayName, wsUrl, domain, forceRTMP, dtmfType,
 * rememberPassword, password}; the password only with rememberPassword.
 * wsUrl and domain are kept only when they differ from the server's.
 */
export function saveSettings(s, config) {
  const keep = {
    user: s.user,
    displayName: s.displayName,
    forceRTMP: !!s.forceRTMP,
    dtmfType: s.dtmfType,
    rememberPassword: !!s.rememberPassword,
  };
  if (s.wsUrl && s.wsUrl !== config.wsUrl) keep.wsUrl = s.wsUrl;
  if (s.domain && s.domain !== config.domain) keep.domain = s.domain;
  if (s.rememberPassword) keep.password = s.password;
  try {
    localStorage.setItem(STORE, JSON.stringify(keep));
  } catch { /* storage disabled: nothing remembered */ }
}

/** Forgets the remembered password, keeping the rest. */
export function forgetPassword() {
  const s = loadSettings();
  if (!s) return;
  delete s.password;
  s.rememberPassword = false;
  try {
    localStorage.setItem(STORE, JSON.stringify(s));
  } catch { /* ignore */ }
}
