/**
 * Writing a rendered report (or any file meant to be shared, like a plan) to disk: created
 * 0644, readable by everyone and writable by its owner alone, whatever the process umask
 * (`writeFileSync`'s mode is masked by the umask: 0600 under 077, 0666 under 000) and whatever
 * mode an earlier file at that path had. Reports hold no secret; the mode is set explicitly so a
 * report is never world-writable and never unreadable to the people it is for.
 */
import { chmodSync, writeFileSync } from 'node:fs';

export const SHARED_FILE_MODE = 0o644;

export function writeSharedFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: SHARED_FILE_MODE });
  chmodSync(path, SHARED_FILE_MODE);
}
