/**
 * English error messages for the schemas written with zod's tree-shakable API (`zod/mini`).
 * zod's classic API (`zod`) registers English itself; `zod/mini` registers no locale (its
 * messages would all be "Invalid input"), so every module that builds schemas with it imports
 * this one first. The setting is zod's global configuration: the same messages whichever API
 * built the schema.
 *
 * Why `zod/mini` for the schemas a node runtime loads (the invocation, lifecycle events, node
 * configs, the environment): the classic API's schema classes carry every method and cannot be
 * tree-shaken, so any `import { z } from 'zod'` puts about 190 KB of zod in a Lambda bundle and
 * ~40-60 ms of module init; `import * as z from 'zod/mini'` keeps only what the schemas use
 * (about 25-35 KB). Classic and mini schemas compose (both are zod core schemas): the workflow
 * schemas in classic embed the node configs written in mini.
 */
import { config } from 'zod/mini';
import { en } from 'zod/v4/locales';

config(en());
