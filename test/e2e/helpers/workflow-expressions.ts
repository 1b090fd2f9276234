/**
 * GitHub Actions expressions (`${{ ... }}`), as far as the example workflows use them: contexts, property access,
 * literals, ! == != && || with GitHub's loose comparison and value-returning && ||, and the status and string
 * functions. Anything else throws, so a workflow using more fails its test rather than being misread.
 */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Contexts = Record<string, Value>;
export interface Status {
  failed: boolean;
}

type Token = { kind: 'id' | 'str' | 'num' | 'op'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) { i += space[0].length; continue; }
    const str = /^'((?:[^']|'')*)'/.exec(rest);
    if (str) { tokens.push({ kind: 'str', text: (str[1] ?? '').replace(/''/g, "'") }); i += str[0].length; continue; }
    const num = /^\d+(\.\d+)?/.exec(rest);
    if (num) { tokens.push({ kind: 'num', text: num[0] }); i += num[0].length; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (id) { tokens.push({ kind: 'id', text: id[0] }); i += id[0].length; continue; }
    const op = /^(==|!=|&&|\|\||[!().,[\]*])/.exec(rest);
    if (op) { tokens.push({ kind: 'op', text: op[0] }); i += op[0].length; continue; }
    throw new Error(`expression ${JSON.stringify(source)}: cannot read ${JSON.stringify(rest)}`);
  }
  return tokens;
}

function truthy(value: Value): boolean {
  return !(value === null || value === false || value === 0 || value === '' || Number.isNaN(value));
}

function toNumber(value: Value): number {
  if (value === null || value === '' || value === false) return 0;
  if (value === true) return 1;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return Number.NaN;
}

function looseEqual(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b && (a === null || typeof a !== 'object')) return a === b;
  if (typeof a === 'object' && a !== null) return a === b;
  return toNumber(a) === toNumber(b);
}

export function asString(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

class Parser {
  #i = 0;
  constructor(readonly source: string, readonly tokens: Token[], readonly contexts: Contexts, readonly status: Status) {}

  parse(): Value {
    const value = this.#or();
    if (this.#i < this.tokens.length) throw new Error(`expression ${JSON.stringify(this.source)}: unexpected ${this.tokens[this.#i]?.text}`);
    return value;
  }

  #peek(text: string): boolean {
    const token = this.tokens[this.#i];
    return token?.kind === 'op' && token.text === text;
  }

  #take(text: string): void {
    if (!this.#peek(text)) throw new Error(`expression ${JSON.stringify(this.source)}: expected ${text}`);
    this.#i++;
  }

  #or(): Value {
    let left = this.#and();
    while (this.#peek('||')) { this.#i++; const right = this.#and(); left = truthy(left) ? left : right; }
    return left;
  }

  #and(): Value {
    let left = this.#equality();
    while (this.#peek('&&')) { this.#i++; const right = this.#equality(); left = truthy(left) ? right : left; }
    return left;
  }

  #equality(): Value {
    let left = this.#unary();
    while (this.#peek('==') || this.#peek('!=')) {
      const op = this.tokens[this.#i++]?.text;
      const right = this.#unary();
      left = op === '==' ? looseEqual(left, right) : !looseEqual(left, right);
    }
    return left;
  }

  #unary(): Value {
    if (this.#peek('!')) { this.#i++; return !truthy(this.#unary()); }
    return this.#postfix();
  }

  #postfix(): Value {
    let value = this.#primary();
    for (;;) {
      if (this.#peek('.')) {
        this.#i++;
        const name = this.tokens[this.#i++];
        if (name?.kind !== 'id') throw new Error(`expression ${JSON.stringify(this.source)}: expected a property name`);
        value = property(value, name.text);
      } else if (this.#peek('[')) {
        this.#i++;
        const key = this.#or();
        this.#take(']');
        value = property(value, asString(key));
      } else return value;
    }
  }

  #primary(): Value {
    const token = this.tokens[this.#i++];
    if (!token) throw new Error(`expression ${JSON.stringify(this.source)}: ends early`);
    if (token.kind === 'str') return token.text;
    if (token.kind === 'num') return Number(token.text);
    if (token.kind === 'op' && token.text === '(') { const value = this.#or(); this.#take(')'); return value; }
    if (token.kind !== 'id') throw new Error(`expression ${JSON.stringify(this.source)}: unexpected ${token.text}`);
    if (token.text === 'true') return true;
    if (token.text === 'false') return false;
    if (token.text === 'null') return null;
    if (this.#peek('(')) {
      this.#i++;
      const args: Value[] = [];
      while (!this.#peek(')')) { args.push(this.#or()); if (this.#peek(',')) this.#i++; }
      this.#take(')');
      return this.#call(token.text, args);
    }
    if (!(token.text in this.contexts)) throw new Error(`expression ${JSON.stringify(this.source)}: unknown context ${token.text}`);
    return this.contexts[token.text] ?? null;
  }

  #call(name: string, args: Value[]): Value {
    const [a = null, b = null] = args;
    switch (name.toLowerCase()) {
      case 'always': return true;
      case 'success': return !this.status.failed;
      case 'failure': return this.status.failed;
      case 'cancelled': return false;
      case 'contains': return Array.isArray(a) ? a.some((item) => looseEqual(item, b)) : asString(a).toLowerCase().includes(asString(b).toLowerCase());
      case 'startswith': return asString(a).toLowerCase().startsWith(asString(b).toLowerCase());
      case 'format': return asString(a).replace(/\{(\d+)\}/g, (_, n: string) => asString(args[Number(n) + 1] ?? null));
      case 'fromjson': return JSON.parse(asString(a)) as Value;
      case 'tojson': return JSON.stringify(a, null, 2);
      default: throw new Error(`expression ${JSON.stringify(this.source)}: the runner does not know ${name}()`);
    }
  }
}

function property(value: Value, name: string): Value {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return value[name] ?? null;
}

export function evaluate(expression: string, contexts: Contexts, status: Status = { failed: false }): Value {
  return new Parser(expression, tokenize(expression), contexts, status).parse();
}

/** An `if:` condition: with or without `${{ }}`, `success()` unless it names a status function. */
export function condition(text: string | undefined, contexts: Contexts, status: Status): boolean {
  if (text === undefined) return !status.failed;
  const bare = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text)?.[1] ?? text;
  const value = truthy(evaluate(bare, contexts, status));
  return /\b(always|failure|cancelled|success)\s*\(/i.test(bare) ? value : value && !status.failed;
}

/** A string with every `${{ expr }}` replaced by its value, as GitHub does before a step runs. */
export function interpolate(text: string, contexts: Contexts, status: Status = { failed: false }): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) => asString(evaluate(expression, contexts, status)));
}
