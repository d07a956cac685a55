// The one error a --filter pattern raises, whether its JSON is broken or its rules are. It always says where:
// line, column and offset for text problems, and the JSON path of the offending part for rule problems, so the
// user can find the spot in a pattern that came from a shell argument or a file.

export interface TextPosition {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, counted in UTF-16 code units like an editor's "Col". */
  readonly column: number;
  /** 0-based offset into the pattern text. */
  readonly offset: number;
}

export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
  /** JSON path of the offending part (e.g. `dynamodb.NewImage.status.S[0]`); undefined for syntax errors. */
  readonly path: string | undefined;
  readonly position: TextPosition | undefined;

  constructor(problem: string, where: { path?: string; position?: TextPosition } = {}) {
    const at = where.position === undefined ? '' : ` (${describePosition(where.position)})`;
    const prefix =
      where.path === undefined
        ? `filter pattern${at}`
        : `filter pattern at ${where.path || '(top level)'}${at}`;
    super(`${prefix}: ${problem}`);
    this.path = where.path;
    this.position = where.position;
  }
}

export function describePosition(position: TextPosition): string {
  return `line ${position.line}, column ${position.column}, offset ${position.offset}`;
}

export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1, offset };
}
