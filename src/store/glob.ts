/**
 * Redis glob patterns (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`) turned into a RegExp, and into a literal
 * prefix that lets an ordered scan start where matches can begin.
 */
export function globToRegExp(pattern: string): RegExp {
  let out = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && i + 1 < pattern.length) {
      out += escapeRe(pattern[++i]!);
    } else if (c === "*") out += "[\\s\\S]*";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end === -1) out += "\\[";
      else {
        let body = pattern.slice(i + 1, end);
        const negate = body.startsWith("^");
        if (negate) body = body.slice(1);
        out += `[${negate ? "^" : ""}${body.replace(/[\]\\]/g, "\\$&")}]`;
        i = end;
      }
    } else out += escapeRe(c);
  }
  return new RegExp(`${out}$`);
}

/** The literal characters every match must start with. */
export function globLiteralPrefix(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && i + 1 < pattern.length) out += pattern[++i];
    else if (c === "*" || c === "?" || c === "[") break;
    else out += c;
  }
  return out;
}

/** Escapes a literal so Redis MATCH treats it verbatim. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, "\\$&");
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
