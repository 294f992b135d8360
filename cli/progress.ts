/**
 * A one-line progress indicator on stderr, so stdout stays the command's answer (an id,
 * a table, JSON) for pipes. On a TTY: a spinner redrawn in place. Elsewhere (CI logs,
 * files): one plain line each time the text changes, no escape codes, no spinner.
 */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

const FRAMES = ['|', '/', '-', '\\'];
const FRAME_MS = 120;
/** Carriage return, then erase to the end of the line: redraws the spinner's line in place. */
const CLEAR_LINE = '\r\x1b[K';

export class Progress {
  private readonly tty: boolean;
  private text = '';
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream = process.stderr,
    tty: boolean = stream.isTTY === true,
  ) {
    this.tty = tty;
  }

  /** Shows `text` (e.g. "3/6 running"); on a TTY starts the spinner on the first call. */
  update(text: string): void {
    if (text === this.text) return;
    this.text = text;
    if (!this.tty) {
      this.stream.write(`${text}\n`);
      return;
    }
    this.draw();
    if (!this.timer) {
      this.timer = setInterval(() => {
        this.frame = (this.frame + 1) % FRAMES.length;
        this.draw();
      }, FRAME_MS);
      // The spinner never keeps the process alive on its own.
      this.timer.unref();
    }
  }

  /** Stops the spinner and leaves `final` (if any) as the last line. Safe to call more than once. */
  stop(final?: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && this.drawn) this.stream.write(CLEAR_LINE);
    this.drawn = false;
    if (final !== undefined && final !== '' && (this.tty || final !== this.text)) this.stream.write(`${final}\n`);
    this.text = '';
  }

  private draw(): void {
    this.stream.write(`${CLEAR_LINE}${FRAMES[this.frame]} ${this.text}`);
    this.drawn = true;
  }
}
