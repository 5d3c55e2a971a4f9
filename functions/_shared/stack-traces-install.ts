/**
 * Installs the lazy source-mapped stack traces (see stack-traces.ts). bundleHandler injects this
 * file into every bundle written with a source map, so it runs before the handler's own modules.
 */
import { installLazySourceMaps } from './stack-traces';

installLazySourceMaps();
