import { createColors } from 'picocolors';

export type Colors = ReturnType<typeof createColors>;

/** Colour follows NO_COLOR and FORCE_COLOR, else whether the stream is a terminal. */
export function colorsFor(
  stream: NodeJS.WritableStream,
  env: Readonly<Record<string, string | undefined>>,
): Colors {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return createColors(false);
  if (env.FORCE_COLOR !== undefined)
    return createColors(env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false');
  return createColors((stream as NodeJS.WriteStream).isTTY === true);
}
