// Numbers for the bench: medians and ranges, least-squares slopes, and the
// side-by-side table.

/** Median of a non-empty list. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** {median, min, max, n, values} of the finite values in xs, or null. */
export function summarize(xs) {
  const values = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (!values.length) return null;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length, values };
}

/** Least-squares slope of ys over xs (dy per dx). */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : NaN;
}

const formats = {
  ms: (v) => `${v.toFixed(v < 10 ? 1 : 0)} ms`,
  B: (v) => `${Math.round(v)} B`,
  MB: (v) => `${(v / 1048576).toFixed(2)} MB`,
  'KB/cycle': (v) => `${(v / 1024).toFixed(2)} KB/cycle`,
};

function cell(s, unit) {
  if (!s) return '—';
  const f = formats[unit];
  const [lo, hi] = [f(s.min), f(s.max)];
  if (s.n === 1 || lo === hi) return f(s.median);
  return `${f(s.median)} [${lo.split(' ')[0]}–${hi}]`;
}

/**
 * kazoo's median over JsSIP's; null unless JsSIP's is above 0 and kazoo's
 * not below (a ratio of slopes of opposite signs says nothing).
 */
export function ratio(k, j) {
  return k && j && j.median > 0 && k.median >= 0 ? k.median / j.median : null;
}

const times = (r) => (r === null ? '—' : `${r.toFixed(Math.abs(r) >= 100 ? 0 : 2)}×`);

/**
 * The table: metric | JsSIP median [min–max] | kazoo median [min–max] |
 * kazoo/JsSIP (ratio of the medians). rows: {label, unit, jssip, kazoo}
 * with summarize()d values.
 */
export function table(rows) {
  const lines = [['metric', 'JsSIP median [min–max]', 'kazoo median [min–max]', 'kazoo/JsSIP']];
  for (const r of rows) lines.push([r.label, cell(r.jssip, r.unit), cell(r.kazoo, r.unit), times(ratio(r.kazoo, r.jssip))]);
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => [...l[i]].length)));
  const fmt = (l) => `| ${l.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join(' | ')} |`;
  return [fmt(lines[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.slice(1).map(fmt)].join('\n');
}
