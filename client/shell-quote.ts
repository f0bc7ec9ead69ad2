/**
 * Commands printed for an operator to paste (a resume, a rerun): quoted so
 * that a POSIX shell splits the line back into exactly these words.
 */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

const NEEDS_NO_QUOTES = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Single quotes keep everything literal; a single quote itself is closed, escaped and reopened. */
export function shellQuote(word: string): string {
  return NEEDS_NO_QUOTES.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
