import { Option, type Command } from 'commander';
import { styleText } from 'node:util';
import { UsageError } from '../core/errors.js';
import type { Paint } from '../render/paint.js';
import { plainPaint } from '../render/paint.js';
import type { OpenProviderOptions } from '../engine/providers.js';
import { useColor } from './output.js';

export function addConfigOption(command: Command): Command {
  return command.option('-c, --config <path>', 'the keys file', 'keys.yaml');
}

export function formatOption(formats: readonly string[], fallback: string): Option {
  return new Option('--format <format>', 'output format').choices(formats).default(fallback);
}

export function terminalPaint(stream: NodeJS.WriteStream = process.stdout): Paint {
  return useColor(stream) ? (style, text) => styleText(style, text) : plainPaint;
}

export function providerOptions(): OpenProviderOptions {
  return { env: process.env };
}

export function parsePositiveInt(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new UsageError(`${flag} must be a whole number of at least 1, not "${value}"`);
    return parsed;
  };
}
