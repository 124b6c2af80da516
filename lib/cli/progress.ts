/** A progress bar on stderr for multi-window work; silent when stderr is not a terminal. */
export interface Progress {
  tick(label: string): void;
  done(): void;
}

export function progressBar(
  total: number,
  title: string,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const interactive = Boolean(stream.isTTY) && !process.env.CI;
  let count = 0;
  const started = Date.now();
  const draw = (label: string) => {
    if (!interactive) return;
    const width = 28;
    const filled = Math.round((count / total) * width);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    stream.write(
      `\r${title} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total} ${label} ${seconds}s\x1b[K`,
    );
  };
  draw('');
  return {
    tick(label) {
      count += 1;
      draw(label);
    },
    done() {
      if (interactive) stream.write('\n');
    },
  };
}
