import * as z from 'zod/mini';
import '@shared/zod-en';
import type { ToolDefinition } from '../tool-registry';

const args = z.strictObject({ message: z.unknown().check(z.describe('Any JSON value; returned unchanged')) });

/**
 * Returns its argument: a deterministic tool for tests, demos and wiring checks.
 *
 * @example
 * ```ts
 * await echoTool.run({ message: 'hi' }, {}) // { message: 'hi' }
 * ```
 */
export const echoTool: ToolDefinition<typeof args> = {
  name: 'echo',
  description: 'Returns the message it is given, unchanged.',
  args,
  async run(a) {
    return { message: a.message };
  },
};
