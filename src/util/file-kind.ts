// What kind of file a path names, in words, for error messages about paths the user passed
// that are not what a command reads (a FIFO would block an open forever, /dev/zero never ends).
import type { Stats } from 'node:fs';

/** What a path that is not a regular file is, in words ("a directory", "a FIFO (named pipe)"). */
export function describeFileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}
