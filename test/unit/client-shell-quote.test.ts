import { shellCommand } from '../../client/shell-quote';
import { shellWords } from '../support/shell-words';

describe('Function: shellCommand', () => {
  it('prints a line that a POSIX shell splits back into exactly the same words', () => {
    // Prepare
    const words = ['--reference', "Bob's dinner", '', 'a b\tc', 'line\nbreak', '$HOME', '`id`', '*', '"quoted"', '\\', 'idk_AAA-bbb_09', 'ünïcødé 💸'];

    // Act
    const line = shellCommand(words);

    // Assess
    expect(shellWords(line)).toEqual(words);
    expect(shellCommand(['--key', 'idk_AAAAAAAAAAAAAAAAAAAAAAAA', '--amount', '2500'])).toBe('--key idk_AAAAAAAAAAAAAAAAAAAAAAAA --amount 2500');
  });
});
