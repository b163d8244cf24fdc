/** Typed PEFT import/export errors; messages name the file and, when there is one, the tensor. */
export class PeftFormatError extends Error {
  constructor(readonly file: string, readonly tensor: string | null, readonly detail: string) {
    super(`${file}${tensor ? `: tensor "${tensor}"` : ''}: ${detail}`);
    this.name = 'PeftFormatError';
  }
}
