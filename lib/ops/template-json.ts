import { TemplateNotEditableError } from './upgrade-errors';

/** A JSON value as JSON.parse returns it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A CloudFormation template in JSON: an object with a Resources object (Template anatomy, CloudFormation User Guide). */
export interface TemplateDocument extends JsonObject {
  Resources: { [logicalId: string]: JsonValue };
}

/**
 * Parses a template body as GetTemplate returns it: the text as it was submitted (CloudFormation
 * API Reference, GetTemplate: TemplateStage Original). CDK always submits JSON; a YAML template
 * (or one JSON cannot carry through unchanged) is refused rather than rewritten.
 */
export function parseTemplate(body: string): TemplateDocument {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new TemplateNotEditableError(
      'it is not JSON (a YAML template, perhaps): this tool only edits the JSON templates cdk deploy submits',
      { cause: err },
    );
  }
  if (!isObject(value) || !isObject(value.Resources)) {
    throw new TemplateNotEditableError('it has no Resources object');
  }
  const lossy = firstLossyNumber(body);
  if (lossy !== undefined) {
    // JSON.parse then JSON.stringify would write this number differently (1.0 → 1, 1e3 → 1000,
    // digits past double precision): CloudFormation would see a changed property value.
    throw new TemplateNotEditableError(`its number ${lossy} would not be written back exactly as it is`);
  }
  return value as TemplateDocument;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first number literal (outside strings) that JSON.stringify would not write back verbatim. */
export function firstLossyNumber(text: string): string | undefined {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      i = endOfString(text, i);
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && /[0-9eE+\-.]/.test(text[j]!)) j += 1;
      const literal = text.slice(i, j);
      if (JSON.stringify(Number(literal)) !== literal) return literal;
      i = j;
    } else {
      i += 1;
    }
  }
  return undefined;
}

/** Index just past the string starting at `start` (a double quote). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i + 1;
    else i += 1;
  }
  return i;
}
