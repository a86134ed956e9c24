import { redactSecrets } from '../privacy/redact.js';

/**
 * C0 controls but tab and newline, DEL, and C1 controls: what a terminal obeys instead of printing (ESC starts
 * colour, title and clear-screen sequences; BEL rings; C1 0x9b is a one-byte CSI).
 */
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** A control character as text a person can read: ESC as `\x1b`, and so on. */
const visible = (character: string) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * Text from a tool (its stderr, its error messages), made safe to show on the user's terminal: secrets redacted, and
 * control sequences shown as text rather than obeyed, so a tool cannot retitle the window, clear the screen or hide
 * what it printed.
 */
export function forTerminal(text: string): string {
  return redactSecrets(text).replace(controlCharacters, visible);
}
