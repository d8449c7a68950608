import { join } from 'node:path';
import { PROJECT_ROOT } from '../version.js';

export const LABS_DIR = join(PROJECT_ROOT, 'labs');
export { APP_TEMPLATES_DIR } from '../lab-kit/source-files.js';
