// Generated automatically by nearley, version 2.20.1
// http://github.com/Hardmath123/nearley
// Bypasses TS6133. Allow declared but unused functions.
// @ts-ignore
function id(d: any[]): any { return d[0]; }
declare var rulename: any;
declare var assign: any;
declare var lookahead: any;
declare var rparen: any;
declare var pipe: any;
declare var star: any;
declare var plus: any;
declare var question: any;
declare var lparen: any;
declare var charclass: any;
declare var string: any;
declare var ident: any;
declare var lbrace: any;
declare var int: any;
declare var rbrace: any;
declare var comma: any;
declare var macro: any;
declare var equal: any;
declare var bool: any;

import { actions as a, tokenTypes } from './parse-actions.js';

interface NearleyToken {
  value: any;
  [key: string]: any;
};

interface NearleyLexer {
  reset: (chunk: string, info: any) => void;
  next: () => NearleyToken | undefined;
  save: () => any;
  formatError: (token: never) => string;
  has: (tokenType: string) => boolean;
};

interface NearleyRule {
  name: string;
  symbols: NearleySymbol[];
  postprocess?: (d: any[], loc?: number, reject?: {}) => any;
};

type NearleySymbol = string | { literal: any } | { test: (token: any) => boolean };

interface Grammar {
  Lexer: NearleyLexer | undefined;
  ParserRules: NearleyRule[];
  ParserStart: string;
};

const grammar: Grammar = {
  Lexer: tokenTypes,
  ParserRules: [
    {"name": "grammar", "symbols": [], "postprocess": a.listEmpty},
    {"name": "grammar", "symbols": ["grammar", "rule"], "postprocess": a.listPush},
    {"name": "rule$ebnf$1", "symbols": ["lookahead"], "postprocess": id},
    {"name": "rule$ebnf$1", "symbols": [], "postprocess": () => null},
    {"name": "rule", "symbols": [(tokenTypes.has("rulename") ? {type: "rulename"} : rulename), (tokenTypes.has("assign") ? {type: "assign"} : assign), "body", "rule$ebnf$1"], "postprocess": a.rule},
    {"name": "lookahead", "symbols": [(tokenTypes.has("lookahead") ? {type: "lookahead"} : lookahead), "body", (tokenTypes.has("rparen") ? {type: "rparen"} : rparen)], "postprocess": a.lookahead},
    {"name": "body", "symbols": ["choices"], "postprocess": a.body},
    {"name": "choices", "symbols": ["sequence"], "postprocess": a.listStart},
    {"name": "choices", "symbols": ["choices", (tokenTypes.has("pipe") ? {type: "pipe"} : pipe), "sequence"], "postprocess": a.listPushLast},
    {"name": "sequence", "symbols": ["quantified"], "postprocess": a.listStart},
    {"name": "sequence", "symbols": ["sequence", "quantified"], "postprocess": a.listPush},
    {"name": "quantified", "symbols": ["element"], "postprocess": a.single},
    {"name": "quantified", "symbols": ["element", (tokenTypes.has("star") ? {type: "star"} : star)], "postprocess": a.star},
    {"name": "quantified", "symbols": ["element", (tokenTypes.has("plus") ? {type: "plus"} : plus)], "postprocess": a.plus},
    {"name": "quantified", "symbols": ["element", (tokenTypes.has("question") ? {type: "question"} : question)], "postprocess": a.question},
    {"name": "quantified", "symbols": ["element", "range"], "postprocess": a.counted},
    {"name": "element", "symbols": [(tokenTypes.has("lparen") ? {type: "lparen"} : lparen), (tokenTypes.has("rparen") ? {type: "rparen"} : rparen)], "postprocess": a.emptyGroup},
    {"name": "element", "symbols": [(tokenTypes.has("lparen") ? {type: "lparen"} : lparen), "body", (tokenTypes.has("rparen") ? {type: "rparen"} : rparen)], "postprocess": a.group},
    {"name": "element", "symbols": [(tokenTypes.has("charclass") ? {type: "charclass"} : charclass)], "postprocess": a.charClass},
    {"name": "element", "symbols": [(tokenTypes.has("string") ? {type: "string"} : string)], "postprocess": a.string},
    {"name": "element", "symbols": [(tokenTypes.has("ident") ? {type: "ident"} : ident)], "postprocess": a.ruleRef},
    {"name": "element", "symbols": ["macro"], "postprocess": a.single},
    {"name": "range", "symbols": [(tokenTypes.has("lbrace") ? {type: "lbrace"} : lbrace), (tokenTypes.has("int") ? {type: "int"} : int), (tokenTypes.has("rbrace") ? {type: "rbrace"} : rbrace)], "postprocess": a.exactRange},
    {"name": "range", "symbols": [(tokenTypes.has("lbrace") ? {type: "lbrace"} : lbrace), (tokenTypes.has("int") ? {type: "int"} : int), (tokenTypes.has("comma") ? {type: "comma"} : comma), (tokenTypes.has("rbrace") ? {type: "rbrace"} : rbrace)], "postprocess": a.openRange},
    {"name": "range", "symbols": [(tokenTypes.has("lbrace") ? {type: "lbrace"} : lbrace), (tokenTypes.has("int") ? {type: "int"} : int), (tokenTypes.has("comma") ? {type: "comma"} : comma), {"literal":"-1"}, (tokenTypes.has("rbrace") ? {type: "rbrace"} : rbrace)], "postprocess": a.openRange},
    {"name": "range", "symbols": ["bounded", (tokenTypes.has("rbrace") ? {type: "rbrace"} : rbrace)], "postprocess": a.single},
    {"name": "bounded", "symbols": [(tokenTypes.has("lbrace") ? {type: "lbrace"} : lbrace), (tokenTypes.has("int") ? {type: "int"} : int), (tokenTypes.has("comma") ? {type: "comma"} : comma), (tokenTypes.has("int") ? {type: "int"} : int)], "postprocess": a.boundedRange},
    {"name": "macro", "symbols": [(tokenTypes.has("macro") ? {type: "macro"} : macro), (tokenTypes.has("lparen") ? {type: "lparen"} : lparen), (tokenTypes.has("rparen") ? {type: "rparen"} : rparen)], "postprocess": a.macro},
    {"name": "macro", "symbols": [(tokenTypes.has("macro") ? {type: "macro"} : macro), (tokenTypes.has("lparen") ? {type: "lparen"} : lparen), "macroArgs", (tokenTypes.has("rparen") ? {type: "rparen"} : rparen)], "postprocess": a.macro},
    {"name": "macroArgs$ebnf$1", "symbols": []},
    {"name": "macroArgs$ebnf$1$subexpression$1", "symbols": [(tokenTypes.has("comma") ? {type: "comma"} : comma), "macroArg"]},
    {"name": "macroArgs$ebnf$1", "symbols": ["macroArgs$ebnf$1", "macroArgs$ebnf$1$subexpression$1"], "postprocess": (d) => d[0].concat([d[1]])},
    {"name": "macroArgs", "symbols": ["macroArg", "macroArgs$ebnf$1"], "postprocess": a.macroArgs},
    {"name": "macroArg", "symbols": ["value"], "postprocess": a.positionalArg},
    {"name": "macroArg", "symbols": [(tokenTypes.has("ident") ? {type: "ident"} : ident), (tokenTypes.has("equal") ? {type: "equal"} : equal), "value"], "postprocess": a.namedArg},
    {"name": "value", "symbols": [(tokenTypes.has("string") ? {type: "string"} : string)], "postprocess": a.stringValue},
    {"name": "value", "symbols": [(tokenTypes.has("int") ? {type: "int"} : int)], "postprocess": a.intValue},
    {"name": "value", "symbols": [(tokenTypes.has("bool") ? {type: "bool"} : bool)], "postprocess": a.boolValue},
    {"name": "value", "symbols": [(tokenTypes.has("ident") ? {type: "ident"} : ident)], "postprocess": a.identValue},
    {"name": "value", "symbols": [(tokenTypes.has("macro") ? {type: "macro"} : macro)], "postprocess": a.identValue},
    {"name": "value", "symbols": ["tuple"], "postprocess": a.single},
    {"name": "tuple", "symbols": [(tokenTypes.has("lparen") ? {type: "lparen"} : lparen), (tokenTypes.has("rparen") ? {type: "rparen"} : rparen)], "postprocess": a.tuple},
    {"name": "tuple$ebnf$1", "symbols": []},
    {"name": "tuple$ebnf$1$subexpression$1", "symbols": [(tokenTypes.has("comma") ? {type: "comma"} : comma), "value"]},
    {"name": "tuple$ebnf$1", "symbols": ["tuple$ebnf$1", "tuple$ebnf$1$subexpression$1"], "postprocess": (d) => d[0].concat([d[1]])},
    {"name": "tuple$ebnf$2", "symbols": [(tokenTypes.has("comma") ? {type: "comma"} : comma)], "postprocess": id},
    {"name": "tuple$ebnf$2", "symbols": [], "postprocess": () => null},
    {"name": "tuple", "symbols": [(tokenTypes.has("lparen") ? {type: "lparen"} : lparen), "value", "tuple$ebnf$1", "tuple$ebnf$2", (tokenTypes.has("rparen") ? {type: "rparen"} : rparen)], "postprocess": a.tuple}
  ],
  ParserStart: "grammar",
};

export default grammar;
