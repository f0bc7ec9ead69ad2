import { ValidationError } from '../../domain/errors';

/**
 * JSON.parse, plus two refusals a payments API needs:
 *
 * - A duplicate member name (`{"amount": 1, "amount": 100000}`). JSON.parse
 *   silently keeps the last one while another parser in the path (a WAF, a
 *   proxy, an auditor's log reader) may keep the first: the same bytes would
 *   mean two different transfers. Names are compared after unescaping, so
 *   `"amount"` and `"\u0061mount"` are duplicates too.
 * - Nesting deeper than `maxDepth`. Our bodies never nest; a "nesting bomb"
 *   is refused before any code walks it recursively.
 * - A number written with a fraction or an exponent. Every number of this
 *   API is an integer of minor units, and `100.0000000000000001` would
 *   otherwise arrive as exactly 100: the client's text and the amount moved
 *   would differ. `1.0` and `1e3` are refused for the same reason.
 *
 * Throws ValidationError (400, field `body`).
 */
export function parseStrictJson(text: string, maxDepth: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError('body', 'The body is not valid JSON.');
  }
  checkStructure(text, maxDepth);
  return value;
}

type Container =
  | { readonly kind: 'array' }
  | { readonly kind: 'object'; readonly names: Set<string>; expectName: boolean; lastName?: string };

/**
 * One pass over text that JSON.parse has accepted, so every string is
 * terminated and every bracket matched: a string token right after `{` or
 * `,` inside an object is a member name.
 */
function checkStructure(text: string, maxDepth: number): void {
  const open: Container[] = [];
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '{' || char === '[') {
      open.push(char === '{' ? { kind: 'object', names: new Set(), expectName: true } : { kind: 'array' });
      if (open.length > maxDepth) {
        throw new ValidationError('body', `The body nests objects or arrays deeper than ${maxDepth} levels.`);
      }
    } else if (char === '}' || char === ']') {
      open.pop();
    } else if (char === ',') {
      const current = open.at(-1);
      if (current?.kind === 'object') current.expectName = true;
    } else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      const end = endOfNumber(text, index);
      if (/[.eE]/.test(text.slice(index, end))) {
        // Name the member when it is one of the body's own (`amount`), as the schema would.
        const current = open.at(-1);
        const field = open.length === 1 && current?.kind === 'object' && current.lastName !== undefined ? current.lastName : 'body';
        throw new ValidationError(field, 'Numbers must be written as integers, without a fraction or an exponent.');
      }
      index = end - 1;
    } else if (char === '"') {
      const end = endOfString(text, index);
      const current = open.at(-1);
      if (current?.kind === 'object' && current.expectName) {
        const name = JSON.parse(text.slice(index, end + 1)) as string;
        if (current.names.has(name)) {
          throw new ValidationError('body', `The body repeats the member "${[...name].slice(0, 64).join('')}"; each name may appear once.`);
        }
        current.names.add(name);
        current.lastName = name;
        current.expectName = false;
      }
      index = end;
    }
  }
}

/** Index just past the number token starting at `start`. */
function endOfNumber(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length && /[0-9.eE+-]/.test(text[index] as string)) index++;
  return index;
}

/** Index of the quote that closes the string opening at `start`. */
function endOfString(text: string, start: number): number {
  let index = start + 1;
  while (text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  return index;
}
