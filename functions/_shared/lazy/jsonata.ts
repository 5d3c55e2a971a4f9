/**
 * jsonata (about 80 KB): required by _shared/jsonata.ts on the first evaluation (or at init by
 * the transform runtime). A module of this folder must import only packages: bundleHandler emits
 * it as a file of its own, compiled only when first required (see bundle.ts).
 */
export { default as jsonata } from 'jsonata';
