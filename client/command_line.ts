/**
 * Splitting shell input: `;` separates commands (for `-c "cd a; ls"`), and a
 * command splits into words on spaces, with '...' and "..." quoting and `\`
 * escaping, as in a POSIX shell.
 */

/** Input that cannot be split: an unterminated quote or a trailing backslash. */
export class CommandLineError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "CommandLineError";
  }
}

/** Splits a line into commands on unquoted `;`, each split into words; empty commands dropped. */
export function parseCommandLine(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === quote) quote = null;
      else if (char === "\\" && quote === '"' && (line[i + 1] === '"' || line[i + 1] === "\\")) {
        word += line[++i];
      } else word += char;
      continue;
    }
    if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\") {
      if (i + 1 >= line.length) throw new CommandLineError("Line ends with a backslash");
      word += line[++i];
      inWord = true;
    } else if (char === " " || char === "\t" || char === ";") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      if (char === ";") {
        if (words.length) commands.push(words);
        words = [];
      }
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new CommandLineError(`Unterminated ${quote} quote`);
  if (inWord) words.push(word);
  if (words.length) commands.push(words);
  return commands;
}
