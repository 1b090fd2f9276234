import { styleText } from 'node:util';

/** Colour only on a TTY and never with NO_COLOR (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

export function printError(message: string): void {
  const prefix = useColor(process.stderr) ? styleText('red', 'Error:') : 'Error:';
  process.stderr.write(`${prefix} ${message}\n`);
}

export function printOut(text: string): void {
  process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
}
