/** Shell-style wildcards for mget/mput: `*`, `?`, `[abc]`, `[!abc]`, `\x`, in the last name only. */

/** True when `text` contains a wildcard. */
export function hasWildcard(text: string): boolean {
  return /[*?[]/.test(text);
}

/** Compiles a pattern for one name into an anchored RegExp. `*` and `?` don't match a leading `.`. */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "\\" && i + 1 < pattern.length) source += escape(pattern[++i]!);
    else if (char === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) {
        source += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith("!") || body.startsWith("^");
      if (negated) body = body.slice(1);
      source += `[${negated ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else source += escape(char);
  }
  const hidden = pattern.startsWith(".") ? "" : "(?!\\.)";
  return new RegExp(`^${hidden}${source}$`, "u");
}

/** Splits `dir/pattern` into the directory part (or undefined) and the last name. */
export function splitPattern(pattern: string): { dir: string | undefined; name: string } {
  const slash = pattern.lastIndexOf("/");
  if (slash < 0) return { dir: undefined, name: pattern };
  return { dir: pattern.slice(0, slash) || "/", name: pattern.slice(slash + 1) };
}

function escape(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
