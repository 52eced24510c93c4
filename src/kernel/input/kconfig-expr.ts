// Kconfig expressions ("NAMESPACES && (SYSVIPC || POSIX_MQUEUE)", "!EXPERT",
// "X86_64 = y", "PAGE_SIZE_256KB") on tristate values: n = 0, m = 1, y = 2.
// Pure: the caller supplies each symbol's value.

export type Tri = 0 | 1 | 2;

export interface ExprEnv {
  /** A symbol's tristate value. */
  tri(name: string): Tri;
  /** A symbol's value as text ("y", "m", "n", "17", a string) for = and != . */
  text(name: string): string;
}

type Token = { t: 'sym'; v: string } | { t: 'str'; v: string } | { t: 'op'; v: string };

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(&&|\|\||!=|<=|>=|[!()=<>])|"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_$.\-]+))/y;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < expr.length && (m = re.exec(expr))) {
    if (m[1] !== undefined) out.push({ t: 'op', v: m[1] });
    else if (m[2] !== undefined) out.push({ t: 'str', v: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'sym', v: m[3] });
    if (/^\s*$/.test(expr.slice(re.lastIndex))) break;
  }
  return out;
}

const min = (a: Tri, b: Tri): Tri => (a < b ? a : b);
const max = (a: Tri, b: Tri): Tri => (a > b ? a : b);

function constTri(v: string): Tri | null {
  return v === 'y' ? 2 : v === 'm' ? 1 : v === 'n' ? 0 : null;
}

/** Evaluates a Kconfig expression; an empty one is y. Unknown syntax counts as n. */
export function evalExpr(expr: string, env: ExprEnv): Tri {
  if (expr.trim() === '') return 2;
  const toks = tokenize(expr);
  let i = 0;
  const peek = (): Token | undefined => toks[i];
  const valueText = (tok: Token): string => (tok.t === 'str' ? tok.v : constTri(tok.v) !== null || /^-?\d+$|^0x/i.test(tok.v) ? tok.v : env.text(tok.v));
  function primary(): Tri {
    const tok = toks[i++];
    if (!tok) return 0;
    if (tok.t === 'op' && tok.v === '!') return (2 - primary()) as Tri;
    if (tok.t === 'op' && tok.v === '(') {
      const v = or();
      if (peek()?.v === ')') i++;
      return v;
    }
    const next = peek();
    if (next && next.t === 'op' && ['=', '!=', '<', '>', '<=', '>='].includes(next.v)) {
      i++;
      const rhs = toks[i++];
      if (!rhs) return 0;
      const a = valueText(tok);
      const b = valueText(rhs);
      const na = Number(a);
      const nb = Number(b);
      const numeric = a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb);
      switch (next.v) {
        case '=': return a === b ? 2 : 0;
        case '!=': return a !== b ? 2 : 0;
        case '<': return numeric && na < nb ? 2 : 0;
        case '>': return numeric && na > nb ? 2 : 0;
        case '<=': return numeric && na <= nb ? 2 : 0;
        default: return numeric && na >= nb ? 2 : 0;
      }
    }
    if (tok.t === 'str') return 0;
    return constTri(tok.v) ?? env.tri(tok.v);
  }
  function and(): Tri {
    let v = primary();
    while (peek()?.v === '&&') {
      i++;
      v = min(v, primary());
    }
    return v;
  }
  function or(): Tri {
    let v = and();
    while (peek()?.v === '||') {
      i++;
      v = max(v, and());
    }
    return v;
  }
  return or();
}

/** Symbol names an expression refers to. */
export function exprSymbols(expr: string): string[] {
  return tokenize(expr).filter((t) => t.t === 'sym' && constTri(t.v) === null && !/^-?\d+$|^0x/i.test(t.v)).map((t) => t.v);
}
