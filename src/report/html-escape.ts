/**
 * Text for HTML element content and quoted attribute values. Learner names,
 * found values and hints are untrusted (a folder name, an app's answer), so
 * every character that could open markup or end an attribute is escaped, and
 * control characters, which HTML has no use for, are dropped (newlines and
 * tabs are kept).
 */
export function escapeHtml(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };
