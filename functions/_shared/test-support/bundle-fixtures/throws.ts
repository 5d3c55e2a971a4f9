// A handler whose error must be reported at this file's lines 7 and 4 (the stack-trace test in bundle.test.ts).
export async function handler(event: { fail?: boolean }): Promise<string> {
  if (!event.fail) return 'ok';
  return failHere();
}
function failHere(): never {
  throw new Error('failed on purpose');
}
