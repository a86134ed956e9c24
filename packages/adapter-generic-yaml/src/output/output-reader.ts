import { AdapterError, type Usage } from '@llm-service/spec';
import type { OutputSettings } from '../config/tool-schema.js';
import { FieldExtractor } from './extract-fields.js';
import { LineSplitter } from '@llm-service/plugin-kit';

/** What a successful run answered, before the adapter adds exit code, duration and the requested model. */
export interface ParsedOutput {
  text: string;
  usage: Usage;
  /** Whether the output reported any usage (plain text never does). */
  usageReported: boolean;
  reportedCostUsd?: number;
  model?: string;
  sessionId?: string;
}

export interface OutputReader {
  /** Each stdout chunk as it arrives; streaming formats emit answer text from here. */
  onStdout(chunk: Buffer): void;
  /**
   * Called once after a successful exit, with the output file's bytes when `output.source` is `file`.
   * Throws a `bad-output` AdapterError when the answer cannot be read.
   */
  finish(fileBytes?: Uint8Array): ParsedOutput;
}

/** How much of unreadable output is kept for diagnosis: enough to recognise it, small enough for a log line. */
const detailBytes = 200;

function badOutput(message: string, bytes: Uint8Array): AdapterError {
  return new AdapterError('bad-output', message, {
    detail: Buffer.from(bytes.subarray(0, detailBytes)).toString('utf8'),
  });
}

function describeParseError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const utf8 = new TextDecoder('utf-8');

/** Parses one JSON value; the whole buffer is complete, so a non-streaming decode is right. */
function parseJson(bytes: Uint8Array, what: string): { value: unknown } | { failure: AdapterError } {
  try {
    return { value: JSON.parse(utf8.decode(bytes)) as unknown };
  } catch (error) {
    return { failure: badOutput(`${what} is not JSON (${describeParseError(error)})`, bytes) };
  }
}

function isBlank(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a);
}

/**
 * Reads JSON Lines: the paths apply to each line, so text can be emitted the moment its line is complete. The first
 * line that is not JSON is remembered and reported at the end (a failed run is classified from its exit code first).
 */
class JsonLinesParser {
  readonly #extractor: FieldExtractor;
  readonly #splitter = new LineSplitter((line) => this.#line(line));
  readonly #emit: (text: string) => void;
  readonly #textPath: string;
  #lineNumber = 0;
  #failure: AdapterError | undefined;
  #head = Buffer.alloc(0);

  constructor(output: OutputSettings, emit: (text: string) => void) {
    this.#extractor = new FieldExtractor(output);
    this.#emit = emit;
    this.#textPath = output.text ?? '';
  }

  push(chunk: Buffer): void {
    if (this.#head.length < detailBytes)
      this.#head = Buffer.concat([this.#head, chunk]).subarray(0, detailBytes);
    this.#splitter.push(chunk);
  }

  #line(line: Buffer): void {
    this.#lineNumber += 1;
    // After a bad line the run fails anyway; emitting more would only lengthen a partial answer.
    if (this.#failure || isBlank(line)) return;
    const parsed = parseJson(line, `line ${this.#lineNumber} of the tool's output`);
    if ('failure' in parsed) {
      this.#failure = parsed.failure;
      return;
    }
    const text = this.#extractor.add(parsed.value);
    if (text.length > 0) this.#emit(text);
  }

  finish(): ParsedOutput {
    this.#splitter.end();
    if (this.#failure) throw this.#failure;
    const fields = this.#extractor.result();
    if (!fields.textFound) {
      throw badOutput(
        `no line of the tool's JSONL output has a string at output.text path '${this.#textPath}'`,
        this.#head,
      );
    }
    return withoutFlag(fields);
  }
}

function withoutFlag(fields: ReturnType<FieldExtractor['result']>): ParsedOutput {
  const { textFound: _textFound, ...parsed } = fields;
  return parsed;
}

function parseJsonDocument(bytes: Uint8Array, output: OutputSettings): ParsedOutput {
  if (isBlank(bytes)) throw badOutput('the tool printed no JSON output', bytes);
  const parsed = parseJson(bytes, "the tool's output");
  if ('failure' in parsed) throw parsed.failure;
  const extractor = new FieldExtractor(output);
  extractor.add(parsed.value);
  const fields = extractor.result();
  if (!fields.textFound) {
    throw badOutput(`the tool's JSON output has no string at output.text path '${output.text ?? ''}'`, bytes);
  }
  return withoutFlag(fields);
}

function emptyParsed(text: string): ParsedOutput {
  return {
    text,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    usageReported: false,
  };
}

/** Plain text from stdout, emitted chunk by chunk as it arrives. */
function streamingTextReader(emit: (text: string) => void): OutputReader {
  // `stream: true` holds back the bytes of a character split across chunks until the rest arrives.
  const decoder = new TextDecoder('utf-8');
  const pieces: string[] = [];
  const take = (text: string) => {
    if (text.length === 0) return;
    pieces.push(text);
    emit(text);
  };
  return {
    onStdout: (chunk) => take(decoder.decode(chunk, { stream: true })),
    finish: () => {
      take(decoder.decode());
      return emptyParsed(pieces.join(''));
    },
  };
}

/** JSON from stdout: only a complete document can be parsed, so its text is emitted once, at the end. */
function bufferedJsonReader(output: OutputSettings, emit: (text: string) => void): OutputReader {
  const chunks: Buffer[] = [];
  return {
    onStdout: (chunk) => chunks.push(chunk),
    finish: () => {
      const parsed = parseJsonDocument(Buffer.concat(chunks), output);
      if (parsed.text.length > 0) emit(parsed.text);
      return parsed;
    },
  };
}

function streamingJsonLinesReader(output: OutputSettings, emit: (text: string) => void): OutputReader {
  const parser = new JsonLinesParser(output, emit);
  return { onStdout: (chunk) => parser.push(chunk), finish: () => parser.finish() };
}

/** The answer is in a file the tool writes; it exists only once the tool has exited, so it is read and emitted whole. */
function fileReader(output: OutputSettings, emit: (text: string) => void): OutputReader {
  return {
    onStdout: () => undefined,
    finish: (fileBytes) => {
      const bytes = fileBytes ?? new Uint8Array();
      let parsed: ParsedOutput;
      if (output.format === 'text') {
        parsed = emptyParsed(utf8.decode(bytes));
      } else if (output.format === 'json') {
        parsed = parseJsonDocument(bytes, output);
      } else {
        // Lines are gathered silently and the text emitted once, as for any file.
        const parser = new JsonLinesParser(output, () => undefined);
        parser.push(Buffer.from(bytes));
        parsed = parser.finish();
      }
      if (parsed.text.length > 0) emit(parsed.text);
      return parsed;
    },
  };
}

export function createOutputReader(output: OutputSettings, emit: (text: string) => void): OutputReader {
  if (output.source === 'file') return fileReader(output, emit);
  switch (output.format) {
    case 'text':
      return streamingTextReader(emit);
    case 'json':
      return bufferedJsonReader(output, emit);
    case 'jsonl':
      return streamingJsonLinesReader(output, emit);
  }
}
