// Types for bench/configs.mjs, which the TypeScript tests import.
import type { KeyStore } from '../src/store/sqlite/key-store.js';

export function planBenchKeyName(i: number): string;
export function seedPlanBench(store: Pick<KeyStore, 'batch' | 'createKey'>, size: number): void;
export function planBenchYaml(size: number, url: string, tokenEnv: string): string;
export function applyBenchYaml(count: number, url: string, tokenEnv: string): string;
