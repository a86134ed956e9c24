/**
 * Reads a guide's shell blocks: every fenced ```sh block in document order (found with markdown-it, the dashboard's
 * Markdown parser, so fences in lists or after indented code are found as a reader sees them), its commands (one a
 * line, `\` continuation lines joined, comment-only lines dropped) and the marker that may stand before it:
 *
 *   <!-- test: skip — why it cannot run in a test -->   not run (the reason is required, and is shown)
 *   <!-- test: in clone -->                             run in the clone's root instead of the project directory
 *   <!-- test: given task.md -->                        the reader writes task.md first: the test writes one
 *   <!-- test: long-running, expect "TEXT" -->          started, its first line of output must contain TEXT, then
 *                                                       stopped with SIGINT (Ctrl-C)
 *   <!-- test: long-running, terminal, expect "TEXT" -->  the same on a terminal (tmux)
 *
 * Directives combine with commas. A block needs no marker to run; a marker that is malformed, unknown, or not directly
 * before a ```sh block is an error, so a typo never turns a check off.
 */
import MarkdownIt from 'markdown-it';
import { parse } from 'shell-quote';

export interface GuideCommand {
  /** The guide's line (1-based) where the command starts. */
  line: number;
  /** The command as written, continuation lines joined. */
  text: string;
}

export interface LongRunning {
  /** Text the command's first line of output must contain. */
  expect: string;
  /** Runs on a pseudo-terminal (the wizard). */
  terminal: boolean;
}

export interface BlockMarker {
  /** The marker's line (1-based), when there is one. */
  line?: number;
  skip?: string;
  inClone: boolean;
  given: string[];
  longRunning?: LongRunning;
}

export interface GuideBlock {
  /** 1-based, counting ```sh blocks only. */
  number: number;
  /** The line (1-based) of the opening fence. */
  line: number;
  /** The heading the block is under. */
  section: string;
  marker: BlockMarker;
  commands: GuideCommand[];
}

const SHELL_FENCES = new Set(['sh']);
/** Other names of shell code: a block under one of them would look tested and not be, so they are refused. */
const OTHER_SHELL_FENCES = new Set(['bash', 'shell', 'zsh', 'console', 'shell-session', 'sh-session']);
const MARKER = /^<!--\s*test:\s*([\s\S]*?)\s*-->\s*$/;

export class GuideFormatError extends Error {}

/** The ```sh blocks of a guide, in order. Throws GuideFormatError naming the line of any malformed marker. */
export function readGuide(markdown: string, file: string): GuideBlock[] {
  const tokens = new MarkdownIt({ html: true }).parse(markdown, {});
  const blocks: GuideBlock[] = [];
  let section = '(before the first heading)';
  let pending: BlockMarker | undefined;
  for (const [index, token] of tokens.entries()) {
    const line = (token.map?.[0] ?? 0) + 1;
    if (token.type === 'heading_open') section = tokens[index + 1]?.content ?? section;
    if (token.children?.some((child) => child.type === 'html_inline' && /^<!--\s*test:/.test(child.content)))
      throw new GuideFormatError(
        `${file}:${line}: a test marker goes on a line of its own, before a \`\`\`sh block`,
      );
    if (token.type === 'html_block' && /^<!--\s*test:/.test(token.content)) {
      if (pending)
        throw new GuideFormatError(`${file}:${pending.line}: a test marker with no \`\`\`sh block after it`);
      pending = parseMarker(token.content.trim(), `${file}:${line}`);
      pending.line = line;
      continue;
    }
    const language = token.type === 'fence' ? (token.info.trim().split(/\s+/)[0] ?? '') : undefined;
    if (language !== undefined && OTHER_SHELL_FENCES.has(language))
      throw new GuideFormatError(
        `${file}:${line}: a \`\`\`${language} block: commands go in \`\`\`sh blocks (which this test runs), output in \`\`\`text`,
      );
    const isShell = language !== undefined && SHELL_FENCES.has(language);
    if (pending && token.type !== 'fence') {
      throw new GuideFormatError(
        `${file}:${pending.line}: a test marker must stand directly before a \`\`\`sh block`,
      );
    }
    if (!isShell) {
      if (pending)
        throw new GuideFormatError(
          `${file}:${pending.line}: the block after this test marker is not \`\`\`sh`,
        );
      continue;
    }
    const marker = pending ?? { inClone: false, given: [] };
    pending = undefined;
    const commands = commandLines(token.content, line + 1);
    const where = `${file}:${line}`;
    if (commands.length === 0) throw new GuideFormatError(`${where}: a \`\`\`sh block with no command`);
    if (marker.longRunning && commands.length !== 1)
      throw new GuideFormatError(
        `${where}: a long-running block holds exactly one command (the one to start and stop); it has ${commands.length}`,
      );
    blocks.push({ number: blocks.length + 1, line, section, marker, commands });
  }
  if (pending)
    throw new GuideFormatError(`${file}:${pending.line}: a test marker with no \`\`\`sh block after it`);
  return blocks;
}

/** The directives of `<!-- test: … -->`. */
export function parseMarker(comment: string, where: string): BlockMarker {
  const body = MARKER.exec(comment)?.[1];
  if (body === undefined) throw new GuideFormatError(`${where}: a test marker is written <!-- test: … -->`);
  const marker: BlockMarker = { inClone: false, given: [] };
  const skip = /^skip\b\s*[—–:-]?\s*([\s\S]*)$/.exec(body);
  if (skip) {
    const reason = skip[1]?.trim() ?? '';
    if (reason === '')
      throw new GuideFormatError(`${where}: \`skip\` needs a reason: <!-- test: skip — why -->`);
    return { ...marker, skip: reason.replace(/\s+/g, ' ') };
  }
  let longRunning = false;
  let terminal = false;
  let expect: string | undefined;
  // Commas inside a quoted expectation do not separate directives.
  for (const directive of body.match(/(?:"[^"]*"|[^,])+/g) ?? []) {
    const text = directive.trim();
    const expectation = /^expect\s+"([^"]+)"$/.exec(text);
    const given = /^given\s+(\S+)$/.exec(text);
    if (text === 'long-running') longRunning = true;
    else if (text === 'terminal') terminal = true;
    else if (text === 'in clone') marker.inClone = true;
    else if (expectation) expect = expectation[1];
    else if (given?.[1] && !given[1].split('/').includes('..') && !given[1].startsWith('/'))
      marker.given.push(given[1]);
    else
      throw new GuideFormatError(
        `${where}: unknown test directive '${text}' (known: skip — REASON, in clone, given FILE, long-running, terminal, expect "TEXT")`,
      );
  }
  if (longRunning !== (expect !== undefined))
    throw new GuideFormatError(`${where}: \`long-running\` and \`expect "TEXT"\` go together`);
  if (terminal && !longRunning)
    throw new GuideFormatError(`${where}: \`terminal\` is for long-running blocks`);
  if (marker.inClone && marker.given.length > 0)
    throw new GuideFormatError(
      `${where}: \`given\` files are written in the project directory, never in the clone`,
    );
  if (expect !== undefined) marker.longRunning = { expect, terminal };
  return marker;
}

/** The commands of a block's text whose first line is the guide's `firstLine`. */
export function commandLines(content: string, firstLine: number): GuideCommand[] {
  const commands: GuideCommand[] = [];
  let pending: GuideCommand | undefined;
  for (const [index, raw] of content.split('\n').entries()) {
    const line = raw.trimEnd();
    // A backslash at the end of a line (not itself escaped, nor in a comment) continues the command on the next line.
    const continued =
      /(?<!\\)(?:\\\\)*\\$/.test(line) && !endsInComment(pending ? `${pending.text} ${line}` : line);
    const part = continued ? line.slice(0, -1) : line;
    if (pending) pending.text = `${pending.text} ${part.trim()}`;
    else pending = { line: firstLine + index, text: part.trim() };
    if (continued) continue;
    if (pending.text !== '' && !pending.text.startsWith('#')) commands.push(pending);
    pending = undefined;
  }
  if (pending && pending.text !== '') commands.push(pending);
  return commands;
}

function endsInComment(text: string): boolean {
  const last = parse(text).at(-1);
  return typeof last === 'object' && 'comment' in last;
}
