/**
 * Text and data that go into the report's HTML. Names come from the instance and may hold
 * anything: markup characters are escaped, and control characters are shown as \uXXXX
 * (numeric references to them are parse errors, and C1 ones are remapped by browsers).
 */

/** A code unit spelt `\uXXXX`, as JSON and regular expressions write it. */
const spelt = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
// C0 controls, DEL, C1 controls, and the line/paragraph separators. Built from their codes:
// here matching control characters is the point, and in a literal they are most often a mistake.
const CONTROL = new RegExp(`[${spelt(0x00)}-${spelt(0x1f)}${spelt(0x7f)}-${spelt(0x9f)}${spelt(0x2028)}${spelt(0x2029)}]`, 'g');
const MARKUP: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A string as it is shown: control characters spelt \uXXXX. */
export function visible(text: string): string {
  return text.replace(CONTROL, (c) => spelt(c.charCodeAt(0)));
}

/** Safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return visible(text).replace(/[&<>"']/g, (c) => MARKUP[c]!);
}

/**
 * JSON for a <script type="application/json"> element: exact (JSON keeps every character),
 * and unable to close the element or open a comment (<, >, & are written as \u escapes).
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Inlined script text that cannot end its <script> element early. */
export function scriptText(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
