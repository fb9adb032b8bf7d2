// Greedy word wrapping like Python's textwrap.wrap(width=70, break_long_words=False,
// break_on_hyphens=False): a word longer than the width stands alone on its own line.

export function wrap(text: string, width = 70): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line === '') line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A paragraph as auditwheel's printp prints it: a blank line, then the wrapped text. */
export function paragraph(text: string): string {
  return `\n${wrap(text).join('\n')}\n`;
}
