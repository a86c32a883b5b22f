/**
 * EventBridge wildcard values: `*` stands for any run of characters (including none), `\*` for a literal
 * star and `\\` for a literal backslash. EventBridge refuses consecutive stars and any other escape, so
 * compiling reports those as errors instead of guessing.
 */

export type WildcardSyntaxError = { readonly error: string };

/** The literal pieces between the stars; a value matches when they appear in order, anchored at both ends. */
export type WildcardSegments = readonly string[];

export function parseWildcard(pattern: string): WildcardSegments | WildcardSyntaxError {
  const segments: string[] = [];
  let current = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "*") {
      if (pattern[i + 1] === "*") return { error: `consecutive wildcard characters at position ${i}` };
      segments.push(current);
      current = "";
    } else if (char === "\\") {
      const next = pattern[i + 1];
      if (next !== "*" && next !== "\\") {
        return { error: `invalid escape at position ${i}: only \\* and \\\\ may be escaped` };
      }
      current += next;
      i++;
    } else {
      current += char;
    }
  }
  segments.push(current);
  return segments;
}

/**
 * Greedy left-to-right search: anchor the first and last pieces, then find each middle piece at its earliest
 * position. Earliest placement never rules out a later piece, so this is exact and linear in practice, with
 * none of the backtracking blow-up a regular expression could have on hostile input.
 */
export function matchesWildcard(segments: WildcardSegments, value: string): boolean {
  const first = segments[0] ?? "";
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] ?? "";
  if (first.length + last.length > value.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let position = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const piece = segments[i] ?? "";
    const found = value.indexOf(piece, position);
    if (found < 0 || found + piece.length > end) return false;
    position = found + piece.length;
  }
  return true;
}
