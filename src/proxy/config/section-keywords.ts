/** The keywords that open a section of HAProxy's configuration; every other line belongs to the section above it. */
const SECTION_KEYWORDS = new Set([
  'global',
  'defaults',
  'frontend',
  'backend',
  'listen',
  'resolvers',
  'peers',
  'mailers',
  'ring',
  'cache',
  'http-errors',
  'userlist',
  'program',
  'fcgi-app',
]);

export function isSectionKeyword(kw: string): boolean {
  return SECTION_KEYWORDS.has(kw);
}
