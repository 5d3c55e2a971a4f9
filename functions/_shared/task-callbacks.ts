/**
 * Answering callback tasks: Step Functions' SendTaskSuccess/SendTaskFailure on AWS, the local
 * engine's equivalents locally. An expired or unknown token is a 409 for the caller.
 */
import { InvalidToken, SendTaskFailureCommand, SendTaskSuccessCommand, TaskDoesNotExist, TaskTimedOut, type SFNClient } from '@aws-sdk/client-sfn';
import { ConflictError } from '@shared/errors';

export interface TaskCallbacks {
  sendTaskSuccess(taskToken: string, output: unknown): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
}

function expired(err: unknown): boolean {
  return err instanceof TaskTimedOut || err instanceof TaskDoesNotExist || err instanceof InvalidToken || ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes((err as Error).name);
}

/**
 * @example
 * ```ts
 * await new SfnTaskCallbacks(new SFNClient({})).sendTaskSuccess(token, { approved: true });
 * ```
 */
export class SfnTaskCallbacks implements TaskCallbacks {
  constructor(private readonly sfn: SFNClient) {}

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    try {
      await this.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output ?? {}) }));
    } catch (err) {
      if (expired(err)) throw new ConflictError('the request has expired or was already answered', { cause: err });
      throw err;
    }
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    try {
      await this.sfn.send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32_768) }));
    } catch (err) {
      if (expired(err)) throw new ConflictError('the request has expired or was already answered', { cause: err });
      throw err;
    }
  }
}
