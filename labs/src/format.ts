// Number and text formatting shared by the runner's output and the terminal view.

/** About 3 significant digits: 1234 → "1234", 12.34 → "12.3", 1.234 → "1.23", 0.0537 → "0.054", NaN → "—". */
export function num(n: number | undefined | null): string {
  if (n === undefined || n === null || Number.isNaN(n)) return '—';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  const abs = Math.abs(n);
  if (abs > 0 && abs < 1) return String(Number(n.toPrecision(2)));
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return String(Number(n.toFixed(digits)));
}

/** Seconds as "850 ms", "12.3 s", "4 min 10 s". */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined || Number.isNaN(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${num(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
export type Color = keyof typeof CODES;

/** Wraps `text` in an ANSI colour when `enabled`. */
export const paint = (enabled: boolean, color: Color, text: string): string => (enabled ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text);

/** Colour for a terminal unless NO_COLOR is set (https://no-color.org). */
export const colorWanted = (stream: NodeJS.WriteStream): boolean => Boolean(stream.isTTY) && !process.env.NO_COLOR;

/** Length of `text` as displayed (ANSI codes removed). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the terminal's colour codes
export const visibleLength = (text: string): number => text.replace(/\x1b\[[0-9;]*m/g, '').length;
