/** The editor's Vite config for `vite.build({ root: 'frontend' })` (npm start); see vite-config.ts. */
import { editorViteConfig } from './vite-config';

export default editorViteConfig();
