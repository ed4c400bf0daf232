/**
 * Collects a child process's stdout/stderr as whole lines, keeping the last `max`. A pipe chunk
 * can end mid-line, so each stream holds its unfinished tail until the next chunk or its end.
 * Resolves once both streams have ended.
 */
export function collectOutputLines(
  streams: (NodeJS.ReadableStream | null | undefined)[],
  lines: string[],
  max: number,
): Promise<void> {
  const ended = streams.map((stream) => {
    if (!stream) {
      return Promise.resolve();
    }
    let tail = '';
    stream.on('data', (buf: Buffer) => {
      const parts = (tail + buf.toString()).split('\n');
      tail = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean));
      if (lines.length > max) {
        lines.splice(0, lines.length - max);
      }
    });
    return new Promise<void>((resolve) => {
      stream.on('end', () => {
        if (tail) {
          lines.push(tail);
          tail = '';
        }
        resolve();
      });
      stream.on('close', resolve);
    });
  });
  return Promise.all(ended).then(() => undefined);
}
