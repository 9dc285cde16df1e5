// Where the runner writes: whole lines, plus one progress line that a terminal rewrites in place
// (elsewhere, as in CI logs, it is printed every couple of seconds instead).
import { type Color, colorWanted, paint } from './format';

export interface Output {
  line(text?: string): void;
  /** Shows live progress; `final` prints it even when not on a terminal. */
  progress(text: string, final?: boolean): void;
  paint(color: Color, text: string): string;
}

const NON_TTY_PROGRESS_EVERY_MS = 2000;

export function streamOutput(stream: NodeJS.WriteStream = process.stdout): Output {
  const tty = Boolean(stream.isTTY);
  const color = colorWanted(stream);
  let showing = false;
  let lastPrinted = 0;
  const clear = () => {
    if (showing) stream.write('\r\x1b[2K');
    showing = false;
  };
  return {
    line(text = '') {
      clear();
      stream.write(`${text}\n`);
    },
    progress(text, final = false) {
      if (tty) {
        clear();
        stream.write(text.slice(0, Math.max(20, (stream.columns ?? 120) - 1)));
        showing = !final;
        if (final) stream.write('\n'); // keep the last progress line on screen
      } else if (final || performance.now() - lastPrinted >= NON_TTY_PROGRESS_EVERY_MS) {
        stream.write(`${text}\n`);
        lastPrinted = performance.now();
      }
    },
    paint: (c, text) => paint(color, c, text),
  };
}
