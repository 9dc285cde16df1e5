// Numbers as the terminal view writes them (labs/src/format.ts).

/** About 3 significant digits: 1234 → "1234", 12.34 → "12.3", 0.0537 → "0.054". */
export function num(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '—';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  const abs = Math.abs(n);
  if (abs > 0 && abs < 1) return String(Number(n.toPrecision(2)));
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return String(Number(n.toFixed(digits)));
}

/** Seconds as "850 ms", "12.3 s", "4 min 10 s". */
export function seconds(s) {
  if (s === undefined || s === null || Number.isNaN(s)) return '—';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 120) return `${num(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Epoch ms as the local time of day. */
export const clock = (ms) => (ms == null ? '—' : new Date(ms).toLocaleTimeString());
