/**
 * Just enough of the shell to tell whether a script (package.json `scripts.test`, `.repowright.yml`
 * `test:`) is one plain command, and to split it into its words. npm and make run scripts with `sh`; a
 * script that uses anything the shell would act on (operators, expansions, globs, redirections, a leading
 * `VAR=value`) is not plain, and is run as it is rather than taken apart and changed.
 */

/** Characters that, outside quotes, make the shell do something other than split words. */
const SPECIAL = new Set([
  "|",
  "&",
  ";",
  "<",
  ">",
  "(",
  ")",
  "$",
  "`",
  "*",
  "?",
  "[",
  "{",
  "}",
  "~",
  "#",
  "\n",
]);

/** The words of a plain command, with its quotes removed; undefined when the shell would do more. */
export function plainWords(script: string): string[] | undefined {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < script.length) {
    const c = script[i]!;
    if (c === " " || c === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word += script.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const end = script.indexOf('"', i + 1);
      if (end < 0) return undefined;
      const inner = script.slice(i + 1, end);
      // Inside double quotes the shell still expands $ and ` and reads backslashes.
      if (/[$`\\]/.test(inner)) return undefined;
      word += inner;
      inWord = true;
      i = end + 1;
    } else if (c === "\\") {
      const next = script[i + 1];
      if (next === undefined || next === "\n") return undefined;
      word += next;
      inWord = true;
      i += 2;
    } else if (SPECIAL.has(c)) {
      return undefined;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) return undefined;
  // `NODE_ENV=test jest` sets a variable for the command: the shell's business, not a word.
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) return undefined;
  return words;
}

/**
 * A regular expression (JavaScript's, RE2's: the same for these characters) matching exactly one of
 * these strings, as a non-capturing group to anchor.
 */
export function exactAlternation(values: readonly string[]): string {
  const escaped = [...new Set(values)].map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return `(?:${escaped.join("|")})`;
}
