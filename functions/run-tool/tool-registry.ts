/**
 * The tool registry: every tool has a name, a description and a zod schema for its arguments
 * (exported as JSON Schema to models), and arguments are validated before the tool runs.
 *
 * Any zod schema fits (`zod/mini` or classic `zod`: both are zod core schemas); the built-in
 * tools use `zod/mini`, which the tool and agent runtimes load at cold start (see @shared/zod-en).
 */
import * as z from 'zod/mini';
import '@shared/zod-en';

export interface ToolContext {
  readonly signal?: AbortSignal;
}

export interface ToolDefinition<S extends z.core.$ZodType = z.core.$ZodType> {
  readonly name: string;
  readonly description: string;
  /** Validates (and types) the arguments before `run` sees them. */
  readonly args: S;
  /**
   * The JSON Schema a model is shown, when it is not derived from `args`: tools described by
   * someone else (an MCP server) carry the schema they were declared with, and `args` then only
   * validates against it.
   */
  readonly jsonSchema?: Record<string, unknown>;
  run(args: z.infer<S>, ctx: ToolContext): Promise<unknown>;
}

/**
 * @example
 * ```ts
 * const tools = new ToolRegistry().register(echoTool);
 * tools.get('echo')?.run({ message: 'hi' }, {});
 * ```
 */
export class ToolRegistry {
  private readonly tools = new Map<string, ToolDefinition>();

  register<S extends z.core.$ZodType>(tool: ToolDefinition<S>): this {
    if (this.tools.has(tool.name)) throw new Error(`tool "${tool.name}" is already registered`);
    this.tools.set(tool.name, tool as unknown as ToolDefinition);
    return this;
  }

  get(name: string): ToolDefinition | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()].sort();
  }

  /**
   * JSON Schema of a tool's arguments (what a model is shown). Derived in `input` mode, so an
   * argument with a default is optional to the model, as it is to the validator.
   */
  jsonSchema(name: string): Record<string, unknown> | undefined {
    const tool = this.tools.get(name);
    if (!tool) return undefined;
    return tool.jsonSchema ?? (z.toJSONSchema(tool.args, { io: 'input' }) as Record<string, unknown>);
  }
}
