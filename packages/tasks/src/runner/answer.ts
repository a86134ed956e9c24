import { isMap, parseDocument } from 'yaml';

/** The most a summary keeps: a line or two in a listing, not the answer again. */
export const MAX_SUMMARY_CHARS = 400;
const MAX_TITLE_CHARS = 200;
const MAX_NOTES_CHARS = 20_000;
const MAX_ARTEFACTS = 100;

/** What a run's answer says about its work, by the convention of a final fenced YAML block. */
export interface AnswerFields {
  summary: string | undefined;
  artefacts: string[];
  nextAgent: string | undefined;
  nextTaskTitle: string | undefined;
  nextTaskNotes: string | undefined;
  /** Whether the answer ended with a hand-off block (else the summary is its first paragraph). */
  hasBlock: boolean;
  /** What the block said that could not be used, one line each (a wrong type, a block that is not YAML). */
  problems: string[];
}

/**
 * A fenced block: an opening fence of three or more backticks or tildes (indented at most three spaces, as
 * CommonMark has it), an info string, the body, and a closing fence of the same character at least as long.
 */
interface FencedBlock {
  info: string;
  body: string;
  /** Offsets of the whole block (fences included) in the answer. */
  start: number;
  end: number;
}

function fencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = text.split('\n');
  let offset = 0;
  let open: { fence: string; info: string; start: number; bodyStart: number } | undefined;
  for (const line of lines) {
    const lineEnd = offset + line.length;
    const trimmedEnd = line.replace(/\r$/, '');
    if (open === undefined) {
      const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(trimmedEnd);
      // A backtick fence's info string cannot contain a backtick (CommonMark); that line is inline code.
      if (match && !(match[1]!.startsWith('`') && match[2]!.includes('`'))) {
        open = { fence: match[1]!, info: match[2]!.trim(), start: offset, bodyStart: lineEnd + 1 };
      }
    } else {
      const match = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(trimmedEnd);
      if (match && match[1]![0] === open.fence[0] && match[1]!.length >= open.fence.length) {
        blocks.push({
          info: open.info,
          body: text.slice(open.bodyStart, Math.max(open.bodyStart, offset)),
          start: open.start,
          end: lineEnd,
        });
        open = undefined;
      }
    }
    offset = lineEnd + 1;
  }
  return blocks;
}

const isYamlInfo = (info: string) => /^(ya?ml)\b/i.test(info);

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1).trimEnd()}…`;
}

/**
 * The first paragraph of the answer that says something: not a heading, a rule, a fence or a block of code; its
 * lines joined into one and clipped to `MAX_SUMMARY_CHARS`.
 */
export function firstParagraph(text: string): string | undefined {
  const withoutCode = fencedBlocks(text)
    .reverse()
    .reduce((rest, block) => `${rest.slice(0, block.start)}\n\n${rest.slice(block.end)}`, text);
  for (const paragraph of withoutCode.split(/\r?\n[ \t]*\r?\n/)) {
    const lines = paragraph
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !/^#{1,6}(\s|$)/.test(line) && !/^([-*_]\s*){3,}$/.test(line));
    const joined = oneLine(lines.join(' '));
    if (joined !== '') return clip(joined, MAX_SUMMARY_CHARS);
  }
  return undefined;
}

/** An agent name as the block may write it; `none`, `null`, `-` and empty mean no hand-off. */
function agentName(value: unknown, problems: string[]): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.push(`next_agent must be an agent name, not ${describe(value)}; ignored`);
    return undefined;
  }
  const name = value.trim();
  if (name === '' || /^(none|null|no|-|n\/a)$/i.test(name)) return undefined;
  return name;
}

function optionalText(field: string, value: unknown, max: number, problems: string[]): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') {
    problems.push(`${field} must be text, not ${describe(value)}; ignored`);
    return undefined;
  }
  const trimmed = value.trim();
  return trimmed === '' ? undefined : clip(trimmed, max);
}

function artefactList(value: unknown, problems: string[]): string[] {
  if (value === null || value === undefined) return [];
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : undefined;
  if (items === undefined) {
    problems.push(`artefacts must be a list of paths, not ${describe(value)}; ignored`);
    return [];
  }
  const paths: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' || item.trim() === '') {
      problems.push(`artefacts: ${describe(item)} is not a path; ignored`);
      continue;
    }
    if (!paths.includes(item.trim())) paths.push(item.trim());
  }
  if (paths.length > MAX_ARTEFACTS) {
    problems.push(`artefacts: ${paths.length} paths, only the first ${MAX_ARTEFACTS} are kept`);
    paths.length = MAX_ARTEFACTS;
  }
  return paths;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'empty';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(clip(value, 40));
  return typeof value;
}

/**
 * Reads the hand-off block of an answer: the last fenced ```yaml (or ~~~yaml) block, a mapping with `summary`,
 * `artefacts`, `next_agent`, `next_task_title` and `next_task_notes`. Without one (or when it is not a mapping) the
 * summary is the answer's first paragraph. Never throws: what cannot be used is listed in `problems`.
 */
export function parseAnswer(text: string): AnswerFields {
  const problems: string[] = [];
  const block = fencedBlocks(text)
    .filter((each) => isYamlInfo(each.info))
    .at(-1);
  const fallback = (): AnswerFields => ({
    summary: firstParagraph(text),
    artefacts: [],
    nextAgent: undefined,
    nextTaskTitle: undefined,
    nextTaskNotes: undefined,
    hasBlock: false,
    problems,
  });
  if (block === undefined) return fallback();
  const doc = parseDocument(block.body, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    problems.push(
      `the final yaml block is not valid YAML (${oneLine(doc.errors[0]!.message.split('\n')[0] ?? '')})`,
    );
    return fallback();
  }
  if (!isMap(doc.contents)) {
    problems.push('the final yaml block is not a mapping of summary, artefacts, next_agent, …');
    return fallback();
  }
  let data: Record<string, unknown>;
  try {
    data = doc.toJS({ maxAliasCount: 20 }) as Record<string, unknown>;
  } catch (error) {
    problems.push(
      `the final yaml block cannot be read (${error instanceof Error ? error.message : String(error)})`,
    );
    return fallback();
  }
  const summaryText = optionalText('summary', data.summary, MAX_SUMMARY_CHARS * 4, problems);
  const outside = `${text.slice(0, block.start)}\n\n${text.slice(block.end)}`;
  return {
    summary:
      summaryText === undefined ? firstParagraph(outside) : clip(oneLine(summaryText), MAX_SUMMARY_CHARS),
    artefacts: artefactList(data.artefacts ?? data.artifacts, problems),
    nextAgent: agentName(data.next_agent, problems),
    nextTaskTitle: (() => {
      const title = optionalText('next_task_title', data.next_task_title, MAX_TITLE_CHARS * 4, problems);
      return title === undefined ? undefined : clip(oneLine(title), MAX_TITLE_CHARS);
    })(),
    nextTaskNotes: optionalText('next_task_notes', data.next_task_notes, MAX_NOTES_CHARS, problems),
    hasBlock: true,
    problems,
  };
}
