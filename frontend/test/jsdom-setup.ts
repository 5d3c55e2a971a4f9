// jsdom leaves out Web APIs every browser the editor supports has (the compiler measures the
// definition with TextEncoder; the store clones with structuredClone): take Node's.
import { TextDecoder, TextEncoder } from 'node:util';

const g = globalThis as Record<string, unknown>;
g.TextEncoder ??= TextEncoder;
g.TextDecoder ??= TextDecoder;
g.structuredClone ??= <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
