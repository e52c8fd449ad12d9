// Small DOM helpers shared by the page: element lookup, the event log and
// the notifications list. Text is only ever set as textContent.

export const $ = (id) => document.getElementById(id);

export function log(text) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  const list = $('log');
  list.prepend(li);
  while (list.children.length > 200) list.lastElementChild.remove();
  $('logCount').textContent = String(list.children.length);
}

/**
 * Shows a notice; one with the same id replaces the earlier one. kind
 * styles it (voicemail, connection, connectivity, online, transfer,
 * missed, device, quality, error) and is its data-kind; key, when given,
 * is its data-key (the stable name of what it reports).
 */
export function notify(kind, text, { id = kind, timeout = 0, key = '' } = {}) {
  clearNotice(id);
  const li = document.createElement('li');
  li.className = 'notice';
  li.dataset.kind = kind;
  li.dataset.id = id;
  if (key) li.dataset.key = key;
  const span = document.createElement('span');
  span.className = 'text';
  span.textContent = text;
  const time = document.createElement('time');
  time.className = 'time';
  time.textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => li.remove());
  li.append(span, time, close);
  $('notices').prepend(li);
  if (timeout) setTimeout(() => li.remove(), timeout);
  log(`notice: ${text}`);
}

export function clearNotice(id) {
  for (const li of $('notices').querySelectorAll('li')) if (li.dataset.id === id) li.remove();
}

/** Removes every notice of kind. */
export function clearNotices(kind) {
  for (const li of $('notices').querySelectorAll('li')) if (li.dataset.kind === kind) li.remove();
}
