/**
 * ajv with its draft-2019 and draft-2020 builds and its formats (about 150 KB): required by
 * json-schema-args.ts on the first JSON Schema check. A module of this folder must import only
 * packages: bundleHandler emits it as a file of its own, compiled only when first required
 * (see bundle.ts).
 */
export { default as Ajv } from 'ajv';
export { default as Ajv2019 } from 'ajv/dist/2019';
export { default as Ajv2020 } from 'ajv/dist/2020';
export { default as addFormats } from 'ajv-formats';
