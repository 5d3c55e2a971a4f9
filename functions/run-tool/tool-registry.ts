/**
 * The tool registry: every tool has a name, a description and a zod schema for its arguments
 * (exported as JSON Schema to models), and arguments are validated before the tool runs.
 */
import { z } from 'zod';

export interface ToolContext {
  readonly signal?: AbortSignal;
}

export interface ToolDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly args: S;
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

  register<S extends z.ZodType>(tool: ToolDefinition<S>): this {
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

  /** JSON Schema of a tool's arguments (what a model is shown). */
  jsonSchema(name: string): Record<string, unknown> | undefined {
    const tool = this.tools.get(name);
    return tool ? (z.toJSONSchema(tool.args) as Record<string, unknown>) : undefined;
  }
}
